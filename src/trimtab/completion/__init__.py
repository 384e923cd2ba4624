"""Everything that ends a tuning job: its limits and its completion criteria (`limits` says in
what order they are checked; `criteria` and `convergence` are the criteria's predicates)."""

from trimtab.completion.limits import Ending, Limits, outcome

__all__ = ["Ending", "Limits", "outcome"]
