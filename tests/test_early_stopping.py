"""Early stopping and Hyperband: the pure deciders, then the tuning loop that applies them
(scripted backend: each fake training job prints one objective value per poll)."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.jobs import make_request, run
from trimtab import service
from trimtab.backends.base import RunState
from trimtab.job import Job
from trimtab.settings import Settings
from trimtab.space import SearchSpace
from trimtab.spec.enums import (
    HyperParameterTuningJobStatus,
    ObjectiveStatus,
    SecondaryStatus,
    TrainingJobStatus,
)
from trimtab.stopping import MedianStopper
from trimtab.store.base import Store
from trimtab.strategies.hyperband import Hyperband, bracket_weights, model_points, rung_levels
from trimtab.testing import FakeBackend, FakeClock, Script
from trimtab.tuner import Clock
from trimtab.types import Decision, History, Trial

ROOT = Path(__file__).resolve().parents[1]


def trial(index: int, definition: str | None = None) -> Trial:
    return Trial(
        tuning_job_name="j",
        index=index,
        training_job_name=f"j-{index:03d}-00000000",
        hyperparameters={},
        definition_name=definition,
        status=TrainingJobStatus.IN_PROGRESS,
        secondary_status=SecondaryStatus.TRAINING,
        objective_status=ObjectiveStatus.PENDING,
        creation_time=0.0,
    )


# --- the median rule


def test_median_rule_waits_for_enough_earlier_jobs() -> None:
    trials = [trial(i) for i in range(1, 4)]
    curves = {t.training_job_name: [1.0, 1.0] for t in trials[:2]} | {
        trials[2].training_job_name: [9.0, 9.0]
    }
    assert MedianStopper().decide(trials[2], 2, History(trials, curves)) is Decision.CONTINUE


def test_median_rule_stops_a_job_worse_than_the_median_of_running_averages() -> None:
    trials = [trial(i) for i in range(1, 6)]
    curves = {
        trials[0].training_job_name: [4.0, 2.0, 1.0],  # running averages at 2: 3.0
        trials[1].training_job_name: [5.0, 3.0],  # 4.0
        trials[2].training_job_name: [6.0, 6.0, 6.0],  # 6.0
        trials[3].training_job_name: [9.0, 4.5],  # candidate: 4.5 > median 4.0
        trials[4].training_job_name: [9.0, 3.5],  # later job: not a judge of trial 4
    }
    stopper = MedianStopper()
    assert stopper.decide(trials[3], 2, History(trials, curves)) is Decision.STOP
    assert stopper.decide(trials[4], 2, History(trials, curves)) is Decision.CONTINUE
    assert (
        stopper.decide(trials[3], 1, History(trials, curves)) is Decision.CONTINUE
    )  # grace: 1st report


def test_median_rule_treats_nan_as_the_worst_loss() -> None:
    trials = [trial(i) for i in range(1, 5)]
    curves = {t.training_job_name: [1.0, 1.0] for t in trials[:3]}
    curves[trials[3].training_job_name] = [1.0, math.nan]
    assert MedianStopper().decide(trials[3], 2, History(trials, curves)) is Decision.STOP


# --- Hyperband's rungs and brackets


def test_rung_levels_and_bracket_weights() -> None:
    assert rung_levels(1, 27, 3, 0) == [1, 3, 9]
    assert rung_levels(1, 27, 3, 2) == [9]
    assert rung_levels(1, 27, 3, 3) == []  # the last bracket runs every job to MaxResource
    weights = bracket_weights(1, 27, 3)
    assert len(weights) == 4 and weights.sum() == pytest.approx(1.0)
    assert list(weights) == sorted(weights, reverse=True)  # most jobs in the aggressive brackets
    assert weights[0] > 0.85


def hyperband(max_resource: int = 27) -> Hyperband:
    space = SearchSpace.from_wire(
        {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1"}]}
    )
    return Hyperband({None: space}, seed=5, max_resource={None: max_resource})


def test_hyperband_keeps_the_best_third_at_a_rung_and_completes_at_max_resource() -> None:
    hb = hyperband()
    trials = [t for t in (trial(i) for i in range(1, 200)) if hb.bracket(t) == 0][:6]
    curves: dict[str, list[float]] = {}
    decisions = []
    for loss, t in zip([5.0, 4.0, 6.0, 1.0, 3.0, 2.0], trials, strict=True):
        curves[t.training_job_name] = [loss]
        decisions.append(hb.decide(t, 1, History(trials, curves)))
    # kept when fewer than max(1, n // 3) of the n jobs at the rung are better: the 1st arrives
    # alone, the 2nd beats it, the 3rd is the worst of 3, the 4th is best, the 5th has one
    # better with 1 place kept, the 6th one better with 2 places kept
    keep, stop = Decision.CONTINUE, Decision.STOP
    assert decisions == [keep, keep, stop, keep, stop, keep]
    assert (
        hb.decide(trials[0], 2, History(trials, {trials[0].training_job_name: [5.0, 5.0]}))
        is Decision.CONTINUE
    )
    assert (
        hb.decide(trials[0], 27, History(trials, {trials[0].training_job_name: [1.0] * 27}))
        is Decision.COMPLETE
    )


def test_hyperband_stops_nobody_at_a_rung_whose_ranks_the_next_level_overturned() -> None:
    """Six jobs went on from epoch 1 to epoch 3. Where they finished epoch 3 in the reverse of
    their epoch-1 order (good configurations that start slowly), epoch 1 misleads, so it stops
    nobody; where the order held, it stops the worst newcomer, as it does while too few jobs
    have reached epoch 3 to tell."""
    hb = hyperband()
    *history, newcomer = [t for t in (trial(i) for i in range(1, 400)) if hb.bracket(t) == 0][:7]
    trials = [*history, newcomer]

    def curves(reversed_at_3: bool, reached_3: int = len(history)) -> dict[str, list[float]]:
        out = {newcomer.training_job_name: [99.0]}
        for rank, t in enumerate(history):
            third = 0.1 + (len(history) - rank if reversed_at_3 else rank)
            out[t.training_job_name] = [1.0 + rank, 1.0 + rank, third][
                : 3 if rank < reached_3 else 1
            ]
        return out

    assert hb.decide(newcomer, 1, History(trials, curves(reversed_at_3=True))) is Decision.CONTINUE
    assert hb.decide(newcomer, 1, History(trials, curves(reversed_at_3=False))) is Decision.STOP
    too_few = model_points(hb.spaces[None]) - 1
    assert hb.decide(newcomer, 1, History(trials, curves(True, reached_3=too_few))) is Decision.STOP


def test_hyperband_brackets_are_fixed_by_seed_and_index() -> None:
    a, b = hyperband(), hyperband()
    assert [a.bracket(trial(i)) for i in range(1, 50)] == [
        b.bracket(trial(i)) for i in range(1, 50)
    ]
    brackets = [a.bracket(trial(i)) for i in range(1, 400)]
    assert set(brackets) <= {0, 1, 2, 3} and len(set(brackets)) >= 2
    assert brackets.count(0) > 0.8 * len(brackets)  # most jobs start at MinResource


def finished(index: int, x: float) -> Trial:
    return dataclasses.replace(
        trial(index),
        hyperparameters={"x": repr(x)},
        status=TrainingJobStatus.STOPPED,
        secondary_status=SecondaryStatus.STOPPED,
        objective_status=ObjectiveStatus.SUCCEEDED,
    )


def bowl_history(hb: Hyperband, jobs: int) -> tuple[list[Trial], dict[str, list[float]]]:
    """`jobs` stopped jobs at random x, their loss growing with the distance from x = 0.3; those
    within 0.15 of it survived rung 1 and were stopped at rung 3."""
    rng = np.random.default_rng(0)
    trials = [finished(i, float(x)) for i, x in enumerate(rng.random(jobs), start=1)]
    curves = {}
    for t in trials:
        distance = abs(float(t.hyperparameters["x"]) - 0.3)
        far = distance >= 0.15
        curves[t.training_job_name] = [1 + distance] if far else [1 + distance, 0.8, 0.5 + distance]
    return trials, curves


def test_hyperband_proposes_from_a_model_of_the_highest_rung() -> None:
    hb = hyperband()
    trials, curves = bowl_history(hb, 16)
    assert len(trials) >= model_points(hb.spaces[None])
    suggested = hb.suggest(History(trials, curves), 10)
    xs = [float(s.hyperparameters["x"]) for s in suggested]
    assert sum(abs(x - 0.3) < 0.15 for x in xs) >= 6  # the model's picks (8 in 10 are its own)
    few = hb.suggest(History(trials[:3], curves), 10)  # too little data: random draws
    assert sum(abs(float(s.hyperparameters["x"]) - 0.3) < 0.15 for s in few) <= 4
    assert len(set(xs)) == 10 and not set(xs) & {float(t.hyperparameters["x"]) for t in trials}
    assert hb.suggest(History(trials, curves), 10) == suggested  # the same history, the same picks


def test_hyperband_models_running_jobs_past_the_rung_as_observed_not_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hb = hyperband()
    trials, curves = bowl_history(hb, 16)
    ahead, behind = (
        dataclasses.replace(trial(i), hyperparameters={"x": x})
        for i, x in [(17, "0.31"), (18, "0.9")]
    )
    curves[ahead.training_job_name] = [1.01, 0.8, 0.51, 0.4]  # past every rung the model uses
    curves[behind.training_job_name] = []  # not reported yet
    seen: dict[str, object] = {}

    def spy(space, observations, pending, n, seed, tried, local):  # type: ignore[no-untyped-def]
        observed = [o.hyperparameters["x"] for o in observations]
        seen.update(observed=observed, pending=pending, local=local)
        return [{"x": "0.5"}]

    monkeypatch.setattr("trimtab.strategies.hyperband._gp_propose", lambda: spy)
    hb._model(None, History([*trials, ahead, behind], curves), 19, [])
    assert "0.31" in seen["observed"]  # type: ignore[operator]
    assert seen["pending"] == [{"x": "0.9"}]
    assert seen["local"] is False  # rung values are noisy: no refinement around the best


def test_hyperband_draws_at_random_without_the_bayesian_extra() -> None:
    code = (
        "import logging, sys\n"
        "sys.modules['botorch'] = None\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout, format='%(message)s')\n"
        "from tests.test_early_stopping import bowl_history, hyperband\n"
        "from trimtab.strategies.random_search import RandomSearch\n"
        "from trimtab.types import History\n"
        "hb = hyperband()\n"
        "trials, curves = bowl_history(hb, 40)\n"
        "drawn = [RandomSearch(hb.spaces, hb.seed).draw(k) for k in range(40, 44)]\n"
        "print(hb.suggest(History(trials, curves), 4) == drawn)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert "pip install 'trimtab[bayesian]'" in out
    assert out.strip().endswith("True")


# --- through the tuning loop


def hyperband_request(
    max_jobs: int = 12, parallel: int = 4, max_resource: int = 9
) -> dict[str, Any]:
    request = make_request(
        strategy="Hyperband",
        max_jobs=max_jobs,
        max_parallel=parallel,
        static={"epochs": str(max_resource)},
    )
    request["HyperParameterTuningJobConfig"]["StrategyConfig"] = {
        "HyperbandStrategyConfig": {"MinResource": 1}
    }
    return request


def curve_plan(epochs: int) -> FakeBackend:
    """Each job reports loss = x + 1/epoch, one epoch per poll, `epochs` of them."""
    return FakeBackend(
        plan=lambda r, a: Script(
            [f"loss={float(r.hyperparameters['x']) + 1 / e}\n" for e in range(1, epochs + 1)]
        )
    )


def offset_plan(offset: Callable[[int], float]) -> FakeBackend:
    """Training job k reports loss = offset(k) + 1/epoch for 9 epochs, one per poll."""
    return FakeBackend(
        plan=lambda r, a: Script(
            [
                f"loss={offset(int(r.training_job_name.split('-')[2])) + 1 / e}\n"
                for e in range(1, 10)
            ]
        )
    )


def test_hyperband_stops_losers_and_completes_winners(store: Store, tmp_path: Path) -> None:
    backend = curve_plan(epochs=30)  # the script would run past MaxResource: Hyperband ends it
    run(store, hyperband_request(max_jobs=16), backend, base=tmp_path)
    trials = store.trials("t-job")
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.COMPLETED
    reports = {t.training_job_name: len(store.metrics(t.training_job_name, "loss")) for t in trials}
    completed = [t for t in trials if t.status is TrainingJobStatus.COMPLETED]
    stopped = [t for t in trials if t.status is TrainingJobStatus.STOPPED]
    assert completed and stopped and len(completed) + len(stopped) == 16
    assert all(reports[t.training_job_name] == 9 for t in completed)  # stopped at MaxResource
    assert all(reports[t.training_job_name] < 9 for t in stopped)
    assert all(t.objective_status is ObjectiveStatus.SUCCEEDED for t in trials)
    assert sum(reports.values()) < 16 * 9 * 0.7  # far fewer epochs than running everything
    assert backend.max_running == 4


def test_hyperband_refills_a_freed_slot_within_one_poll(store: Store, tmp_path: Path) -> None:
    backend = curve_plan(epochs=9)
    clock = FakeClock()
    launched_at: dict[str, float] = {}
    original = backend.launch

    def launch(spec):  # type: ignore[no-untyped-def]
        launched_at[spec.training_job_name] = clock.t
        return original(spec)

    backend.launch = launch  # type: ignore[method-assign]
    run(store, hyperband_request(max_jobs=16), backend, clock, base=tmp_path)
    trials = store.trials("t-job")
    ends = sorted(t.end_time for t in trials if t.end_time is not None)
    starts = sorted(launched_at.values())
    for end in ends[: len(ends) - 4]:  # every slot freed before the last jobs is refilled
        assert any(end <= s <= end + 1.0 for s in starts), end


def test_hyperband_judges_jobs_launched_together_against_each_other(
    store: Store, tmp_path: Path
) -> None:
    """The first four jobs start in one poll and report epoch 1 in the next: each is judged
    against the batch-mates that reported before it, so the rung stops some of them at once."""
    backend = FakeBackend(  # with this seed, each job is worse than the one launched before it
        plan=lambda r, a: Script(
            [f"loss={1 - float(r.hyperparameters['x']) + 1 / e}\n" for e in range(1, 10)]
        )
    )
    run(store, hyperband_request(max_jobs=4), backend, base=tmp_path)
    reports = [len(store.metrics(t.training_job_name, "loss")) for t in store.trials("t-job")]
    assert reports.count(1) >= 2, reports


def test_jobs_reaching_a_rung_in_one_poll_are_judged_after_all_have_reported(
    store: Store, tmp_path: Path
) -> None:
    """Three jobs report epoch 1 in the same poll, the first one read the worst: it is judged
    against the other two, not alone, so the rung keeps only the best of the three."""
    backend = offset_plan(lambda k: 10 - k)  # the first launched is the worst
    request = hyperband_request(max_jobs=3, parallel=3)
    request["HyperParameterTuningJobConfig"]["RandomSeed"] = 2
    run(store, request, backend, base=tmp_path)
    trials = store.trials("t-job")
    job = Job.from_record(store.tuning_job("t-job"))
    hyperband = Hyperband({None: job.definitions[None].space}, job.seed, {None: 9})
    assert [hyperband.bracket(t) for t in trials] == [0, 0, 0]  # all judged at epoch 1
    reports = [len(store.metrics(t.training_job_name, "loss")) for t in trials]
    assert reports == [1, 1, 9]


def test_a_job_promoted_before_its_rung_filled_is_judged_again_at_the_next_rung(
    store: Store, tmp_path: Path
) -> None:
    """Job 1 passes epoch 1 beating only job 2; job 3, launched in job 2's slot, then beats it
    there. At epoch 3 job 1 is judged on epoch 1 again, as that rung stands now, and stops:
    being early to a rung does not carry a job to MaxResource."""
    backend = offset_plan({1: 0.5, 2: 0.9, 3: 0.1}.__getitem__)
    request = hyperband_request(max_jobs=3, parallel=2)
    request["HyperParameterTuningJobConfig"]["RandomSeed"] = 2  # all three in bracket 0
    run(store, request, backend, base=tmp_path)
    reports = [len(store.metrics(t.training_job_name, "loss")) for t in store.trials("t-job")]
    assert reports == [3, 1, 9]


def test_restarted_tuner_judges_from_the_stored_curves(store: Store, tmp_path: Path) -> None:
    """Kill the tuner mid-bracket: the new tuner loads every curve and nothing finished re-runs."""
    record = service.create_tuning_job(store, hyperband_request(max_jobs=10, parallel=2), tmp_path)
    clock = FakeClock()

    def crash(t: float) -> None:
        if sum(not x.is_pending for x in store.trials("t-job")) >= 4:
            raise SystemExit

    clock.on_sleep = crash
    with pytest.raises(SystemExit):
        service.make_tuner(
            store,
            record.name,
            curve_plan(9),
            Settings(poll_interval=1.0),
            Clock(clock.now, clock.sleep),
        ).run()
    finished_before = {t.training_job_name: t for t in store.trials("t-job") if not t.is_pending}
    backend = curve_plan(9)
    service.run_tuning_job(store, "t-job", backend=backend, settings=Settings(poll_interval=0.0))
    relaunched = {r.training_job_name for r in backend.launches}
    assert not relaunched & set(finished_before)
    assert len(store.trials("t-job")) == 10
    for name, before in finished_before.items():
        assert store.trial(name) == before


def test_jobs_that_die_or_report_nan_between_rungs_do_not_stall_hyperband(
    store: Store, tmp_path: Path
) -> None:
    ending = RunState(
        finished=True,
        status=TrainingJobStatus.FAILED,
        secondary_status=SecondaryStatus.FAILED,
        failure_reason="died",
        exit_code=1,
    )

    def plan(r, attempt):  # type: ignore[no-untyped-def]
        k = int(r.training_job_name.split("-")[2])
        if k % 3 == 0:
            return Script(["loss=1.0\n", "loss=nan\n", "loss=nan\n"] + ["loss=nan\n"] * 7)
        if k % 3 == 1:
            return Script(["loss=0.5\n", "loss=0.4\n"], ending)  # dies after 2 epochs
        return Script([f"loss={1 / e}\n" for e in range(1, 10)])

    run(store, hyperband_request(max_jobs=9, parallel=3), FakeBackend(plan=plan), base=tmp_path)
    trials = store.trials("t-job")
    assert store.tuning_job("t-job").status is HyperParameterTuningJobStatus.COMPLETED
    assert len(trials) == 9 and not any(t.is_pending for t in trials)
    for t in trials:
        if t.index % 3 == 0:  # stopped at its first rung (loss 1.0) or ended on NaN
            assert t.objective == 1.0 or t.objective_status is ObjectiveStatus.FAILED
        if t.index % 3 == 1:
            assert t.status is TrainingJobStatus.FAILED
    best = service.describe_tuning_job(store, "t-job")["BestTrainingJob"]
    assert int(best["TrainingJobName"].split("-")[2]) % 3 == 2


def test_median_stopping_through_the_loop_saves_epochs(store: Store, tmp_path: Path) -> None:
    request = make_request(max_jobs=12, max_parallel=1, static={"epochs": "10"})
    request["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = "Auto"
    backend = curve_plan(epochs=10)
    run(store, request, backend, base=tmp_path)
    trials = store.trials("t-job")
    stopped = [t for t in trials if t.status is TrainingJobStatus.STOPPED]
    assert stopped and all(t.objective_status is ObjectiveStatus.SUCCEEDED for t in stopped)
    epochs = sum(len(store.metrics(t.training_job_name, "loss")) for t in trials)
    assert epochs < 12 * 10
    best = min(trials, key=lambda t: float(t.hyperparameters["x"]))
    assert best.status is TrainingJobStatus.COMPLETED  # the best configuration is never cut


def test_the_multifidelity_benchmark_runs_in_miniature(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.multifidelity import main

    main(["--smoke"])  # short analytic curves, trimtab's three methods and one Optuna pruner
    out = capsys.readouterr().out
    for method in ("trimtab Random", "trimtab Random + median", "trimtab Hyperband"):
        assert f"| {method} | " in out
    assert "| Optuna random + SHA | " in out and "with and without the median rule" in out


def test_the_multifidelity_benchmark_gives_the_same_tables_on_more_workers() -> None:
    from benchmarks.multifidelity import PARALLEL, PROBLEMS, report

    short = dataclasses.replace(PROBLEMS[1], max_epochs=9, budget_runs=PARALLEL)
    methods = ["trimtab Random", "trimtab Hyperband", "Optuna TPE + median"]
    assert report([short], methods, 2, workers=2) == report([short], methods, 2, workers=1)


def test_the_benchmarks_optuna_hyperband_runs_are_the_same_when_repeated() -> None:
    """Optuna's Hyperband pruner puts a trial in a bracket by hashing the study's name."""
    from benchmarks.multifidelity import PROBLEMS, optuna_run

    short = dataclasses.replace(PROBLEMS[1], max_epochs=27, budget_runs=6)
    runs = [optuna_run(short, "Optuna random + Hyperband", seed=3).reports for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


@pytest.mark.parametrize("direction", ["Minimize", "Maximize"])
def test_benchmark_targets_are_what_random_search_reaches_as_often_as_their_quantile_says(
    direction: str,
) -> None:
    """Checked against every way random search could have drawn its trainings from the pool."""
    import itertools

    from benchmarks.multifidelity import PROBLEMS, QUANTILES, Trace, targets

    problem = dataclasses.replace(PROBLEMS[1], direction=direction, budget_runs=3)
    values = [float(v) for v in np.random.default_rng(0).permutation(12)]
    runs = [Trace(full_trainings=values[:7]), Trace(full_trainings=[*values[7:], math.nan])]
    best = max if direction == "Maximize" else min
    draws = [best(d) for d in itertools.combinations(values, 3)]

    def chance(value: float) -> float:
        return sum(d == value or problem.better(d, value) for d in draws) / len(draws)

    for q, target in zip(QUANTILES, targets(problem, runs), strict=True):
        assert chance(target) >= 1 - q  # reached at least that often ...
        sharper = [v for v in values if problem.better(v, target)]
        assert all(chance(v) < 1 - q for v in sharper)  # ... and any better value less often
