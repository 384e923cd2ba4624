"""Cross-member rules (reference §1.10): one test per rule, asserting path, value and rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.spec.builders import (
    DELETE,
    accepts,
    multi,
    rejects,
    script_mode,
    seq2seq,
    with_member,
)
from trimtab.spec import builtin_algorithm, hyperband_max_resource, parse_request

CFG = "HyperParameterTuningJobConfig"
DEF = "TrainingJobDefinition"
RANGES = f"{CFG}.ParameterRanges"
HYPERBAND = f"{CFG}.StrategyConfig.HyperbandStrategyConfig"
LIMIT = f"{CFG}.ResourceLimits.MaxNumberOfTrainingJobs"


def constraint(path: str, value: str, rule: str) -> str:
    return f"Value {value} at '{path}' failed to satisfy constraint: {rule}"


def ranges(body: dict[str, Any], **lists: list[dict[str, Any]]) -> dict[str, Any]:
    """`body` with its job-level ParameterRanges replaced by `lists`."""
    body[CFG]["ParameterRanges"] = lists
    return body


def continuous(lo: str, hi: str, scaling: str = "Linear", name: str = "lr") -> dict[str, Any]:
    return {"Name": name, "MinValue": lo, "MaxValue": hi, "ScalingType": scaling}


def categorical(name: str, n: int) -> dict[str, Any]:
    return {"Name": name, "Values": [f"{name}{i}" for i in range(n)]}


# -- definitions -------------------------------------------------------------------------------


def test_a_definition_is_required() -> None:
    body = with_member(seq2seq(), DEF, DELETE)
    rejects(
        body,
        constraint(
            DEF,
            "null",
            "exactly one of TrainingJobDefinition and TrainingJobDefinitions is required",
        ),
    )


def test_not_both_kinds_of_definition() -> None:
    body = seq2seq()
    body["TrainingJobDefinitions"] = multi()["TrainingJobDefinitions"]
    rejects(
        body,
        "at 'TrainingJobDefinitions' failed to satisfy constraint: give TrainingJobDefinition "
        "or TrainingJobDefinitions, not both",
    )


def test_single_definition_needs_the_job_objective() -> None:
    path = f"{CFG}.HyperParameterTuningJobObjective"
    rejects(
        with_member(seq2seq(), path, DELETE),
        constraint(path, "null", "Member must not be null when TrainingJobDefinition is given"),
    )


def test_single_definition_takes_objective_and_ranges_from_the_config() -> None:
    body = seq2seq()
    body[DEF]["TuningObjective"] = {"Type": "Minimize", "MetricName": "loss"}
    rejects(
        body,
        constraint(
            f"{DEF}.TuningObjective",
            """'{"Type":"Minimize","MetricName":"loss"}'""",
            f"only used with TrainingJobDefinitions; give it as {CFG}."
            "HyperParameterTuningJobObjective",
        ),
    )


def test_multi_algorithm_request_parses() -> None:
    request = parse_request(multi())
    assert [d.definition_name for d in request.training_job_definitions or []] == ["xgb", "mlp"]


@pytest.mark.parametrize("member", ["DefinitionName", "TuningObjective", "HyperParameterRanges"])
def test_multi_definitions_need_their_own_members(member: str) -> None:
    path = f"TrainingJobDefinitions.1.{member}"
    rejects(
        with_member(multi(), path, DELETE),
        constraint(path, "null", "Member must not be null when TrainingJobDefinitions is given"),
    )


def test_multi_definition_names_are_unique() -> None:
    body = with_member(multi(), "TrainingJobDefinitions.1.DefinitionName", "xgb")
    rejects(
        body,
        constraint(
            "TrainingJobDefinitions.1.DefinitionName",
            "'xgb'",
            "must be unique, but TrainingJobDefinitions.0.DefinitionName has the same value",
        ),
    )


def test_multi_definitions_refuse_job_level_objective() -> None:
    body = multi()
    body[CFG]["HyperParameterTuningJobObjective"] = {"Type": "Minimize", "MetricName": "loss"}
    rejects(
        body,
        f"at '{CFG}.HyperParameterTuningJobObjective' failed to satisfy constraint: must be "
        "omitted with TrainingJobDefinitions; give each definition its TuningObjective",
    )


def test_multi_definitions_refuse_early_stopping() -> None:
    body = with_member(multi(), f"{CFG}.TrainingJobEarlyStoppingType", "Auto")
    rejects(
        body,
        constraint(
            f"{CFG}.TrainingJobEarlyStoppingType",
            "'Auto'",
            "must be Off when TrainingJobDefinitions is given (no early stopping for "
            "multi-algorithm tuning)",
        ),
    )


def test_multi_definitions_refuse_warm_start() -> None:
    body = multi()
    body["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "parent"}],
        "WarmStartType": "TransferLearning",
    }
    rejects(body, "at 'WarmStartConfig' failed to satisfy constraint: must be omitted when ")


def test_environment_entries_are_capped_across_definitions() -> None:
    body = multi()
    for i, d in enumerate(body["TrainingJobDefinitions"]):
        d["Environment"] = {f"V{i}_{j}": "x" for j in range(25)}
    rejects(
        body,
        constraint(
            "TrainingJobDefinitions",
            "'50'",
            "Environment maps of all definitions must have at most 48 entries in total, not 50",
        ),
    )


# -- metrics and algorithms --------------------------------------------------------------------


def test_objective_must_be_a_defined_metric() -> None:
    body = with_member(script_mode(), f"{CFG}.HyperParameterTuningJobObjective.MetricName", "acc")
    rejects(
        body,
        constraint(
            f"{CFG}.HyperParameterTuningJobObjective.MetricName",
            "'acc'",
            f"must be the Name of a metric in {DEF}.AlgorithmSpecification.MetricDefinitions, "
            "but it is not one of [validation:accuracy, train:loss]",
        ),
    )


def test_objective_needs_metric_definitions_for_a_custom_image() -> None:
    body = with_member(script_mode(), f"{DEF}.AlgorithmSpecification.MetricDefinitions", DELETE)
    rejects(body, "but it is not defined there (it is empty)")


def test_multi_objective_must_be_a_metric_of_its_definition() -> None:
    body = with_member(multi(), "TrainingJobDefinitions.1.TuningObjective.MetricName", "loss")
    rejects(
        body,
        constraint(
            "TrainingJobDefinitions.1.TuningObjective.MetricName",
            "'loss'",
            "must be the Name of a metric in TrainingJobDefinitions.1.AlgorithmSpecification."
            "MetricDefinitions, but it is not one of [val:loss]",
        ),
    )


@pytest.mark.parametrize(
    "image",
    [
        "seq2seq",
        "image-classification:1",
        "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1",
        "localhost:5000/image-classification@sha256:abc",
    ],
)
def test_builtin_algorithms_bring_their_own_metrics(image: str) -> None:
    body = with_member(seq2seq(), f"{DEF}.AlgorithmSpecification.TrainingImage", image)
    accepts(body)  # validation:bleu is not among MetricDefinitions (there are none)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("seq2seq", "seq2seq"),
        ("image-classification:1", "image-classification"),
        ("811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1", "seq2seq"),
        ("localhost:5000/seq2seq", "seq2seq"),
        ("683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1", None),
        ("myrepo/seq2seq-custom:1", None),
        ("seq2seq/custom:1", None),
        ("", None),
        (None, None),
    ],
)
def test_builtin_algorithm(image: str | None, expected: str | None) -> None:
    assert builtin_algorithm(image) == expected


def test_metric_definition_names_are_unique() -> None:
    path = f"{DEF}.AlgorithmSpecification.MetricDefinitions.1.Name"
    rejects(
        with_member(script_mode(), path, "validation:accuracy"),
        constraint(
            path,
            "'validation:accuracy'",
            f"must be unique, but {DEF}.AlgorithmSpecification.MetricDefinitions.0.Name has "
            "the same value",
        ),
    )


def test_training_image_or_algorithm_name_is_required() -> None:
    path = f"{DEF}.AlgorithmSpecification.TrainingImage"
    rejects(
        with_member(seq2seq(), path, DELETE),
        constraint(path, "null", "one of TrainingImage and AlgorithmName is required"),
    )


def test_not_both_training_image_and_algorithm_name() -> None:
    path = f"{DEF}.AlgorithmSpecification.AlgorithmName"
    rejects(
        with_member(seq2seq(), path, "my-algo"),
        constraint(path, "'my-algo'", "give TrainingImage or AlgorithmName, not both"),
    )


# -- resources, stopping, channels -------------------------------------------------------------


def test_a_resource_config_is_required() -> None:
    path = f"{DEF}.ResourceConfig"
    rejects(
        with_member(seq2seq(), path, DELETE),
        constraint(
            path, "null", "one of ResourceConfig and HyperParameterTuningResourceConfig is required"
        ),
    )


def test_not_both_resource_configs() -> None:
    body = seq2seq()
    body[DEF]["HyperParameterTuningResourceConfig"] = {
        "InstanceConfigs": [
            {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
        ]
    }
    rejects(
        body,
        f"at '{DEF}.HyperParameterTuningResourceConfig' failed to satisfy constraint: give "
        "ResourceConfig or HyperParameterTuningResourceConfig, not both",
    )


def test_tuning_resource_config_instance_configs_xor_trio() -> None:
    body = with_member(seq2seq(), f"{DEF}.ResourceConfig", DELETE)
    body[DEF]["HyperParameterTuningResourceConfig"] = {
        "InstanceType": "ml.m5.xlarge",
        "InstanceConfigs": [
            {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
        ],
    }
    rejects(
        body,
        f"at '{DEF}.HyperParameterTuningResourceConfig.InstanceConfigs' failed to satisfy "
        "constraint: give InstanceConfigs or InstanceType, InstanceCount, VolumeSizeInGB, not "
        "both (InstanceType given)",
    )


def test_tuning_resource_config_alone_is_accepted() -> None:
    body = with_member(seq2seq(), f"{DEF}.ResourceConfig", DELETE)
    body[DEF]["HyperParameterTuningResourceConfig"] = {
        "InstanceType": "ml.m5.xlarge",
        "InstanceCount": 1,
        "VolumeSizeInGB": 30,
        "AllocationStrategy": "Prioritized",
    }
    accepts(body)


def test_resource_config_needs_instances() -> None:
    path = f"{DEF}.ResourceConfig.InstanceType"
    rejects(
        with_member(seq2seq(), path, DELETE),
        constraint(path, "null", "Member must not be null unless InstanceGroups is given"),
    )


def test_resource_config_instance_groups_replace_type_and_count() -> None:
    body = seq2seq()
    body[DEF]["ResourceConfig"] = {
        "InstanceGroups": [
            {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "InstanceGroupName": "cpu"}
        ],
        "VolumeSizeInGB": 30,
    }
    accepts(body)
    body[DEF]["ResourceConfig"]["InstanceCount"] = 1
    rejects(body, "give InstanceGroups or InstanceType, InstanceCount, not both")


def test_max_wait_covers_max_runtime() -> None:
    path = f"{DEF}.StoppingCondition.MaxWaitTimeInSeconds"
    rejects(
        with_member(seq2seq(), path, 3600),
        constraint(path, "'3600'", "must be greater than or equal to MaxRuntimeInSeconds (86400)"),
    )
    accepts(with_member(seq2seq(), path, 86400))


def test_channel_names_are_unique() -> None:
    path = f"{DEF}.InputDataConfig.2.ChannelName"
    rejects(
        with_member(seq2seq(), path, "train"),
        constraint(
            path,
            "'train'",
            f"must be unique, but {DEF}.InputDataConfig.0.ChannelName has the same value",
        ),
    )


def test_a_channel_has_exactly_one_data_source() -> None:
    path = f"{DEF}.InputDataConfig.0.DataSource"
    body = with_member(seq2seq(), path, {})
    rejects(
        body,
        constraint(
            path,
            "'{}'",
            "exactly one of S3DataSource, FileSystemDataSource and DatasetSource is required",
        ),
    )


# -- limits and strategies -----------------------------------------------------------------------


def test_max_number_of_training_jobs_is_required_except_grid() -> None:
    rejects(
        with_member(seq2seq(), LIMIT, DELETE),
        constraint(
            LIMIT,
            "null",
            "Member must not be null when Strategy is Bayesian (only Grid, which runs every "
            "combination, and Autotune jobs may omit it)",
        ),
    )


def test_autotune_may_omit_max_number_of_training_jobs() -> None:
    body = with_member(seq2seq(), LIMIT, DELETE)
    body["Autotune"] = {"Mode": "Enabled"}
    accepts(body)


@pytest.mark.parametrize(
    ("strategy", "jobs", "cap"), [("Bayesian", 751, 750), ("Random", 10_001, 10_000)]
)
def test_max_number_of_training_jobs_cap(strategy: str, jobs: int, cap: int) -> None:
    body = with_member(seq2seq(), f"{CFG}.Strategy", strategy)
    body = with_member(body, LIMIT, cap)
    accepts(body)
    rejects(
        with_member(body, LIMIT, jobs),
        constraint(
            LIMIT,
            f"'{jobs}'",
            f"Member must have value less than or equal to {cap} when Strategy is {strategy}",
        ),
    )


def hyperband(body: dict[str, Any]) -> dict[str, Any]:
    body[CFG]["Strategy"] = "Hyperband"
    body[CFG]["TrainingJobEarlyStoppingType"] = "Off"
    return body


def test_hyperband_infers_max_resource_from_epochs() -> None:
    request = parse_request(hyperband(script_mode()))  # StaticHyperParameters epochs = "20"
    definition = request.training_job_definition
    assert definition is not None
    assert hyperband_max_resource(request.hyper_parameter_tuning_job_config, definition) == 20


@pytest.mark.parametrize("key", ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs"])
@pytest.mark.parametrize("raw", ["30", '"30"'])
def test_hyperband_epoch_keys(key: str, raw: str) -> None:
    body = hyperband(seq2seq())
    body[DEF]["StaticHyperParameters"][key] = raw
    request = parse_request(body)
    assert request.training_job_definition is not None
    config = request.hyper_parameter_tuning_job_config
    assert hyperband_max_resource(config, request.training_job_definition) == 30


def test_hyperband_given_max_resource_wins() -> None:
    body = hyperband(script_mode())
    body[CFG]["StrategyConfig"] = {"HyperbandStrategyConfig": {"MaxResource": 7}}
    request = parse_request(body)
    assert request.training_job_definition is not None
    config = request.hyper_parameter_tuning_job_config
    assert hyperband_max_resource(config, request.training_job_definition) == 7


def test_hyperband_needs_a_max_resource() -> None:
    rejects(
        hyperband(seq2seq()),
        constraint(
            f"{HYPERBAND}.MaxResource",
            "null",
            "Member must not be null when Strategy is Hyperband and TrainingJobDefinition."
            "StaticHyperParameters has none of [epochs, numepochs, n-epochs, n_epochs, "
            "num_epochs] to infer it from",
        ),
    )


@pytest.mark.parametrize("raw", ["many", "20001", "0", "2.5"])
def test_hyperband_inferred_max_resource_must_be_usable(raw: str) -> None:
    body = hyperband(seq2seq())
    body[DEF]["StaticHyperParameters"]["epochs"] = raw
    rejects(
        body,
        constraint(
            f"{DEF}.StaticHyperParameters.epochs",
            f"'{raw}'",
            "must be an integer from 1 to 20000 to serve as Hyperband's MaxResource (or give "
            f"{HYPERBAND}.MaxResource)",
        ),
    )


def test_hyperband_min_resource_at_most_max_resource() -> None:
    body = hyperband(script_mode())
    body[CFG]["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": 21}}
    rejects(
        body,
        constraint(
            f"{HYPERBAND}.MinResource", "'21'", "must be less than or equal to MaxResource (20)"
        ),
    )


def test_hyperband_refuses_auto_early_stopping() -> None:
    body = hyperband(script_mode())
    body[CFG]["TrainingJobEarlyStoppingType"] = "Auto"
    rejects(
        body,
        constraint(
            f"{CFG}.TrainingJobEarlyStoppingType",
            "'Auto'",
            "must be Off when Strategy is Hyperband (Hyperband stops training jobs itself)",
        ),
    )


def test_strategy_config_only_with_hyperband() -> None:
    body = script_mode()
    body[CFG]["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": 1}}
    rejects(
        body,
        constraint(
            f"{CFG}.StrategyConfig",
            """'{"HyperbandStrategyConfig":{"MinResource":1}}'""",
            "only allowed when Strategy is Hyperband, not Bayesian",
        ),
    )


def grid(n_values: tuple[int, ...], jobs: int | None = None) -> dict[str, Any]:
    body = with_member(seq2seq(), f"{CFG}.Strategy", "Grid")
    body = with_member(body, LIMIT, DELETE if jobs is None else jobs)
    return ranges(
        body,
        CategoricalParameterRanges=[categorical(f"c{i}", n) for i, n in enumerate(n_values)],
    )


def test_grid_may_omit_max_number_of_training_jobs() -> None:
    request = parse_request(grid((3, 4)))
    assert (
        request.hyper_parameter_tuning_job_config.resource_limits.max_number_of_training_jobs
        is None
    )
    accepts(grid((3, 4), jobs=12))


def test_grid_max_number_of_training_jobs_equals_the_combinations() -> None:
    rejects(
        grid((3, 4), jobs=10),
        constraint(LIMIT, "'10'", "must equal the number of Grid combinations (12) or be omitted"),
    )


def test_grid_combinations_at_most_750() -> None:
    rejects(
        grid((30, 26)),
        constraint(
            f"{RANGES}.CategoricalParameterRanges",
            "'780'",
            "Grid strategy allows at most 750 combinations of categorical values, not 780",
        ),
    )
    accepts(grid((30, 25)))


def test_grid_only_searches_categorical_ranges() -> None:
    body = grid((2,))
    body[CFG]["ParameterRanges"]["ContinuousParameterRanges"] = [continuous("0.1", "0.2")]
    rejects(
        body,
        f"at '{RANGES}.ContinuousParameterRanges' failed to satisfy constraint: must be empty "
        "when Strategy is Grid (Grid searches categorical ranges only)",
    )


def test_grid_needs_categorical_ranges() -> None:
    rejects(
        grid(()),
        constraint(
            f"{RANGES}.CategoricalParameterRanges",
            "'[]'",
            "must have at least one range when Strategy is Grid",
        ),
    )
    body = with_member(grid((2,)), RANGES, DELETE)
    rejects(body, constraint(RANGES, "null", "Member must not be null when Strategy is Grid"))


# -- parameter ranges ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "item", "member", "value", "rule"),
    [
        ("IntegerParameterRanges", {"MinValue": "1.5", "MaxValue": "3"}, "MinValue", "'1.5'",
         "must be an integer"),
        ("IntegerParameterRanges", {"MinValue": "1", "MaxValue": "ten"}, "MaxValue", "'ten'",
         "must be an integer"),
        ("ContinuousParameterRanges", {"MinValue": "nan", "MaxValue": "1"}, "MinValue", "'nan'",
         "must be a finite decimal number"),
        ("ContinuousParameterRanges", {"MinValue": "0", "MaxValue": "1e999"}, "MaxValue",
         "'1e999'", "must be a finite decimal number"),
        ("ContinuousParameterRanges", {"MinValue": "1_0", "MaxValue": "20"}, "MinValue", "'1_0'",
         "must be a finite decimal number"),
        ("IntegerParameterRanges", {"MinValue": "5", "MaxValue": "3"}, "MinValue", "'5'",
         "must be less than or equal to MaxValue (3)"),
        ("ContinuousParameterRanges", {"MinValue": "0.5", "MaxValue": "0.25"}, "MinValue",
         "'0.5'", "must be less than or equal to MaxValue (0.25)"),
        ("ContinuousParameterRanges",
         {"MinValue": "0", "MaxValue": "1", "ScalingType": "Logarithmic"}, "MinValue", "'0'",
         "must be > 0 when ScalingType is Logarithmic"),
        ("IntegerParameterRanges",
         {"MinValue": "-1", "MaxValue": "10", "ScalingType": "Logarithmic"}, "MinValue", "'-1'",
         "must be > 0 when ScalingType is Logarithmic"),
        ("IntegerParameterRanges",
         {"MinValue": "0", "MaxValue": "1", "ScalingType": "ReverseLogarithmic"}, "ScalingType",
         "'ReverseLogarithmic'",
         "ReverseLogarithmic is only supported for ContinuousParameterRanges"),
        ("ContinuousParameterRanges",
         {"MinValue": "-0.1", "MaxValue": "0.5", "ScalingType": "ReverseLogarithmic"},
         "MinValue", "'-0.1'", "must be >= 0 when ScalingType is ReverseLogarithmic"),
        ("ContinuousParameterRanges",
         {"MinValue": "0.5", "MaxValue": "1", "ScalingType": "ReverseLogarithmic"},
         "MaxValue", "'1'", "must be < 1 when ScalingType is ReverseLogarithmic"),
    ],
)  # fmt: skip
def test_range_bounds(kind: str, item: dict[str, str], member: str, value: str, rule: str) -> None:
    body = ranges(seq2seq(), **{kind: [{"Name": "p", **item}]})
    rejects(body, constraint(f"{RANGES}.{kind}.0.{member}", value, rule))


@pytest.mark.parametrize(
    "item",
    [
        continuous("0", "0.999", "ReverseLogarithmic"),
        continuous("1e-5", "1E-1", "Logarithmic"),
        continuous("-.5", "+.5"),
        continuous("3", "3"),
    ],
)
def test_good_continuous_bounds(item: dict[str, str]) -> None:
    accepts(ranges(seq2seq(), ContinuousParameterRanges=[item]))


def test_good_integer_bounds() -> None:
    item = {"Name": "n", "MinValue": "-3", "MaxValue": "+7"}
    accepts(ranges(seq2seq(), IntegerParameterRanges=[item]))


def test_range_names_are_unique_across_lists() -> None:
    body = ranges(
        seq2seq(),
        IntegerParameterRanges=[{"Name": "lr", "MinValue": "1", "MaxValue": "2"}],
        ContinuousParameterRanges=[continuous("0.1", "0.2", name="lr")],
    )
    rejects(
        body,
        constraint(
            f"{RANGES}.ContinuousParameterRanges.0.Name",
            "'lr'",
            f"must be unique, but {RANGES}.IntegerParameterRanges.0.Name has the same value",
        ),
    )


def test_a_hyperparameter_is_static_or_tuned() -> None:
    body = ranges(
        seq2seq(), ContinuousParameterRanges=[continuous("1", "2", name="bleu_sample_size")]
    )
    rejects(
        body,
        constraint(
            f"{RANGES}.ContinuousParameterRanges.0.Name",
            "'bleu_sample_size'",
            f"is also in {DEF}.StaticHyperParameters; a hyperparameter is either static or tuned",
        ),
    )


def test_at_most_30_tunable_ranges_in_total() -> None:
    body = ranges(
        seq2seq(),
        ContinuousParameterRanges=[continuous("0", "1", name=f"c{i}") for i in range(16)],
        CategoricalParameterRanges=[categorical(f"k{i}", 2) for i in range(15)],
    )
    rejects(
        body,
        constraint(
            RANGES,
            "'31'",
            "must have at most 30 ranges in total (Integer, Continuous and Categorical), not 31",
        ),
    )


def test_static_plus_tuned_plus_objective_at_most_100() -> None:
    body = ranges(
        seq2seq(), ContinuousParameterRanges=[continuous("0", "1", name=f"c{i}") for i in range(3)]
    )
    body[DEF]["StaticHyperParameters"] = {f"s{i}": "1" for i in range(97)}
    rejects(
        body,
        constraint(
            f"{DEF}.StaticHyperParameters",
            "'101'",
            "static and tuned hyperparameters plus _tuning_objective_metric must be at most 100, "
            "not 101 (97 static, 3 tuned)",
        ),
    )
    del body[DEF]["StaticHyperParameters"]["s0"]
    accepts(body)


def test_categorical_values_are_unique() -> None:
    path = f"{RANGES}.CategoricalParameterRanges.0.Values"
    rejects(
        with_member(seq2seq(), f"{path}.2", "adam"),
        constraint(f"{path}.2", "'adam'", f"must be unique, but {path}.0 has the same value"),
    )


def test_multi_definition_ranges_are_checked_per_definition() -> None:
    body = with_member(
        multi(),
        "TrainingJobDefinitions.1.HyperParameterRanges.IntegerParameterRanges.0.MinValue",
        "9",
    )
    rejects(
        body,
        constraint(
            "TrainingJobDefinitions.1.HyperParameterRanges.IntegerParameterRanges.0.MinValue",
            "'9'",
            "must be less than or equal to MaxValue (8)",
        ),
    )


def test_auto_parameters_only_with_autotune() -> None:
    body = seq2seq()
    body[CFG]["ParameterRanges"]["AutoParameters"] = [{"Name": "depth", "ValueHint": "4"}]
    rejects(
        body,
        constraint(
            f"{RANGES}.AutoParameters",
            """'[{"Name":"depth","ValueHint":"4"}]'""",
            "only allowed when Autotune.Mode is Enabled",
        ),
    )
    body["Autotune"] = {"Mode": "Enabled"}
    accepts(body)


# -- warm start and tags -------------------------------------------------------------------------


def warm_start(*names: str) -> dict[str, Any]:
    body = seq2seq()
    body["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": n} for n in names],
        "WarmStartType": "IdenticalDataAndAlgorithm",
    }
    return body


def test_warm_start_parents_are_unique_ignoring_case() -> None:
    accepts(warm_start("p1", "p2", "p3", "p4", "p5"))
    path = "WarmStartConfig.ParentHyperParameterTuningJobs.1.HyperParameterTuningJobName"
    rejects(
        warm_start("Parent", "parent"),
        constraint(
            path,
            "'parent'",
            "must be unique, but WarmStartConfig.ParentHyperParameterTuningJobs.0."
            "HyperParameterTuningJobName has the same value",
        ),
    )


def test_warm_start_parent_needs_a_name() -> None:
    body = warm_start("p1")
    body["WarmStartConfig"]["ParentHyperParameterTuningJobs"] = [{}]
    path = "WarmStartConfig.ParentHyperParameterTuningJobs.0.HyperParameterTuningJobName"
    rejects(body, constraint(path, "null", "Member must not be null"))


def test_tag_keys_are_unique() -> None:
    body = seq2seq()
    body["Tags"] = [{"Key": "team", "Value": "a"}, {"Key": "team", "Value": "b"}]
    rejects(
        body,
        constraint("Tags.1.Key", "'team'", "must be unique, but Tags.0.Key has the same value"),
    )


def test_definitions_stop_other_rules_from_piling_up() -> None:
    body = with_member(seq2seq(), DEF, DELETE)
    message = rejects(body, "1 validation error detected")
    assert message.count("Value") == 1
