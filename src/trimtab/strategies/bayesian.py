"""Bayesian optimisation (SageMaker's `Bayesian` strategy): a GP model of the results so far.

What the strategy decides, per configuration `k` of the job (0-based over all its trials):

- **Which definition** (multi-algorithm jobs): drawn as `RandomSearch` draws it, from
  `(seed, k)`; each definition then has its own design and its own model.
- **Design or model.** The first `design_size(space)` configurations of a definition are a
  scrambled Sobol design (fewer when warm-start parents already supplied results); after that,
  and as soon as two results are in, `propose` fits a GP and maximises LogEI, with pending
  (running) configurations believed to come out at their predicted values. Every
  `THOMPSON_EVERY`-th model-based configuration is a Thompson sample instead, for
  exploration. If the model has nothing left to offer (a finite space fully tried), the design
  continues; when that is exhausted too, fewer configurations than asked come back, and `[]`
  ends the job.
- **Direction.** Objectives arrive in the user's direction; `directions` turns them into losses.
- **Failed jobs** count as the worst result seen (see `propose`).

Randomness comes from `(seed, k)` for the first `k` of the batch, so a seed makes a job
repeatable and a resumed job makes the same next choice; torch's global generator is left as
it was (`torch.random.fork_rng`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trimtab.space import SearchSpace
from trimtab.spec.enums import ObjectiveStatus, ObjectiveType
from trimtab.strategies._design import ConfigKey, config_key, design_size, fresh_design
from trimtab.strategies.base import Prior
from trimtab.strategies.gp import Observation, propose, usable
from trimtab.strategies.random_search import RandomSearch
from trimtab.types import History, Suggestion, Trial

# Every this many model-based configurations (counted over the job), one is a Thompson sample
# rather than LogEI's choice: it keeps the search off local plateaus at little cost on smooth
# problems (docs/bayesian.md).
THOMPSON_EVERY = 4


class BayesianSearch:
    """GP Bayesian optimisation over each definition's unit-cube encoding."""

    def __init__(
        self,
        spaces: Mapping[str | None, SearchSpace],
        seed: int,
        *,
        directions: Mapping[str | None, ObjectiveType] | None = None,
        prior: Prior | None = None,
    ) -> None:
        self._random = RandomSearch(spaces, seed)  # checks them; picks each job's definition
        self._spaces = dict(spaces)
        self._names = list(spaces)
        self._seed = seed
        self._directions = dict(directions or {})
        self._prior = prior or Prior()

    def suggest(self, history: History, n: int) -> list[Suggestion]:
        if n <= 0:
            return []
        trials = history.trials
        k0 = len(trials)
        wanted: dict[str | None, int] = {}
        for k in range(k0, k0 + n):
            name = self._definition(k)
            wanted[name] = wanted.get(name, 0) + 1
        everything = [*self._prior.trials, *trials]
        seen = {config_key(t.hyperparameters, t.definition_name) for t in everything}
        picked = {
            name: self._pick(name, count, everything, seen, k0) for name, count in wanted.items()
        }
        out = []
        for k in range(k0, k0 + n):  # back into the order of k
            configs = picked[self._definition(k)]
            if configs:
                out.append(Suggestion(configs.pop(0), self._definition(k)))
        return out

    def _definition(self, k: int) -> str | None:
        return self._random.definition(k)

    def _pick(
        self,
        name: str | None,
        count: int,
        history: Sequence[Trial],
        seen: set[ConfigKey],
        k0: int,
    ) -> list[dict[str, str]]:
        space = self._spaces[name]
        mine = [t for t in history if t.definition_name == name]
        finished = [t for t in mine if not t.is_pending]
        observations = [self._observation(t) for t in finished]
        pending = [t.hyperparameters for t in mine if t.is_pending]
        parents = self._prior.jobs
        own = sum(t.tuning_job_name not in parents for t in mine)
        from_prior = sum(_succeeded(t) for t in finished if t.tuning_job_name in parents)
        design = max(0, min(count, design_size(space) - own - from_prior))
        configs = fresh_design(space, self._seed, seen, design, name)
        pending += configs
        index = self._names.index(name)
        explore = sum((j + 1) % THOMPSON_EVERY == 0 for j in range(own + design, own + count))
        seed = [self._seed, k0, index]
        configs += propose(space, observations, pending, count - design, seed, thompson=explore)
        seen.update(config_key(c, name) for c in configs)
        configs += fresh_design(space, self._seed, seen, count - len(configs), name)
        return configs

    def _observation(self, trial: Trial) -> Observation:
        sign = self._directions.get(trial.definition_name, ObjectiveType.MINIMIZE).sign
        loss = None if trial.objective is None else sign * trial.objective
        if not _succeeded(trial):
            loss = None
        return Observation(trial.hyperparameters, loss, self._prior.group(trial))


def _succeeded(trial: Trial) -> bool:
    return trial.objective_status is ObjectiveStatus.SUCCEEDED and usable(trial.objective)
