"""The optional dependencies: which modules each extra brings, and the error that names it.

`import trimtab` and a Random job need none of them; a module that needs one imports it where
it is used and, when that fails for a module of the extra, raises `missing` (the user is told
what to install) while any other missing module stays the bug it is.
"""

from __future__ import annotations

from typing import Final

from trimtab.errors import MissingDependency

# What `pip install 'trimtab[<extra>]'` brings, by top-level module name.
MODULES: Final = {
    "bayesian": frozenset(
        {"torch", "botorch", "gpytorch", "linear_operator", "scipy", "threadpoolctl"}
    ),
    "server": frozenset({"starlette", "uvicorn", "anyio", "h11", "click", "sniffio"}),
}


def lacks(extra: str, error: ModuleNotFoundError) -> bool:
    """Whether an import failed because `extra` is not installed."""
    return (error.name or "").split(".")[0] in MODULES[extra]


def missing(extra: str, what: str, error: ModuleNotFoundError) -> MissingDependency:
    return MissingDependency(
        f"{what} needs {error.name}, which is not installed: pip install 'trimtab[{extra}]'"
    )
