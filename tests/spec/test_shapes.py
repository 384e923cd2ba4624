"""Member constraints of the service model: types, required members, lengths, patterns, enums,
numeric ranges and list sizes, each refused in SageMaker's words with its path and value."""

from __future__ import annotations

from typing import Any

import pytest

from tests.spec.builders import DELETE, accepts, rejects, script_mode, seq2seq, with_member

CFG = "HyperParameterTuningJobConfig"
DEF = "TrainingJobDefinition"
RANGES = f"{CFG}.ParameterRanges"
CONT = f"{RANGES}.ContinuousParameterRanges.0"
INT = f"{RANGES}.IntegerParameterRanges.0"
CAT = f"{RANGES}.CategoricalParameterRanges.0"
CHANNEL = f"{DEF}.InputDataConfig.0"
S3 = f"{CHANNEL}.DataSource.S3DataSource"


def constraint(path: str, value: str, rule: str) -> str:
    return f"Value {value} at '{path}' failed to satisfy constraint: {rule}"


def ge(n: int) -> str:
    return f"Member must have value greater than or equal to {n}"


def le(n: int) -> str:
    return f"Member must have value less than or equal to {n}"


def min_len(n: int) -> str:
    return f"Member must have length greater than or equal to {n}"


def max_len(n: int) -> str:
    return f"Member must have length less than or equal to {n}"


def enum(*values: str) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def must_be(kind: str, got: str) -> str:
    return f"Member must be {kind}, not {got}"


S3_URI_RULE = (
    r"Member must satisfy regular expression pattern: (https|s3)://([^/]+)/?(.*) "
    "(trimtab also accepts a file:// URI or a local path)"
)


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (f"{CONT}.MinValue", 0.1, must_be("a string", "a number")),
        (f"{CAT}.Values.0", 1, must_be("a string", "a number")),
        (f"{DEF}.StaticHyperParameters.bleu_sample_size", 1000, must_be("a string", "a number")),
        (f"{CFG}.ResourceLimits.MaxParallelTrainingJobs", "3", must_be("an integer", "a string")),
        (f"{CFG}.ResourceLimits.MaxParallelTrainingJobs", 3.0, must_be("an integer", "a number")),
        (f"{CFG}.ResourceLimits.MaxParallelTrainingJobs", True, must_be("an integer", "a boolean")),
        (f"{DEF}.EnableNetworkIsolation", 1, must_be("a boolean", "a number")),
        (f"{DEF}.EnableNetworkIsolation", "true", must_be("a boolean", "a string")),
        (f"{CFG}.RandomSeed", 1.5, must_be("an integer", "a number")),
        (
            f"{CFG}.TuningJobCompletionCriteria.TargetObjectiveMetricValue",
            "0.9",
            must_be("a number", "a string"),
        ),
        (f"{CFG}.ResourceLimits", [], "Member must be a structure (JSON object), not a list"),
        (f"{DEF}.InputDataConfig", {}, "Member must be a list (JSON array), not an object"),
        (f"{DEF}.StaticHyperParameters", ["a"], "Member must be a map (JSON object), not a list"),
    ],
)
def test_wrong_json_types(path: str, value: Any, rule: str) -> None:
    shown = "'true'" if value is True else f"'{value}'"
    if isinstance(value, list | dict):
        shown = "'[]'" if value == [] else "'{}'" if value == {} else "'[\"a\"]'"
    rejects(with_member(seq2seq(), path, value), constraint(path, shown, rule))


def test_float_target_accepts_a_json_integer() -> None:
    body = with_member(
        seq2seq(), f"{CFG}.TuningJobCompletionCriteria.TargetObjectiveMetricValue", 1
    )
    criteria = accepts(body).hyper_parameter_tuning_job_config.tuning_job_completion_criteria
    assert criteria is not None
    assert criteria.target_objective_metric_value == 1.0


@pytest.mark.parametrize(
    "path",
    [
        "HyperParameterTuningJobName",
        CFG,
        f"{CFG}.Strategy",
        f"{CFG}.ResourceLimits",
        f"{CFG}.ResourceLimits.MaxParallelTrainingJobs",
        f"{CONT}.MinValue",
        f"{CAT}.Values",
        f"{DEF}.RoleArn",
        f"{DEF}.AlgorithmSpecification.TrainingInputMode",
        f"{DEF}.OutputDataConfig.S3OutputPath",
        f"{DEF}.StoppingCondition",
        f"{S3}.S3Uri",
        f"{CHANNEL}.ChannelName",
    ],
)
def test_missing_required_member(path: str) -> None:
    rejects(
        with_member(seq2seq(), path, DELETE), constraint(path, "null", "Member must not be null")
    )


def test_null_inside_a_list_is_refused() -> None:
    path = f"{CAT}.Values.1"
    rejects(with_member(seq2seq(), path, None), constraint(path, "null", "Member must not be null"))


def test_unknown_member_names_it_and_lists_the_allowed_ones() -> None:
    rejects(
        with_member(seq2seq(), f"{CFG}.ResourceLimits.MaxJobs", 5),
        constraint(
            f"{CFG}.ResourceLimits.MaxJobs",
            "'5'",
            "MaxJobs is not a member of ResourceLimits; allowed members: "
            "[MaxNumberOfTrainingJobs, MaxParallelTrainingJobs, MaxRuntimeInSeconds]",
        ),
    )


def test_unknown_top_level_member() -> None:
    body = seq2seq()
    body["Name"] = "x"
    rejects(body, "Name is not a member of CreateHyperParameterTuningJobRequest; allowed members: ")


def test_python_attribute_names_are_not_wire_names() -> None:
    body = seq2seq()
    body["hyper_parameter_tuning_job_name"] = body.pop("HyperParameterTuningJobName")
    message = rejects(body, "Value null at 'HyperParameterTuningJobName'")
    assert "hyper_parameter_tuning_job_name is not a member" in message


def test_unknown_member_in_a_list_item() -> None:
    path = f"{CHANNEL}.DataSource.S3DataSource.Prefix"
    rejects(
        with_member(seq2seq(), path, "x"), f"at '{path}'", "Prefix is not a member of S3DataSource"
    )


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (f"{CFG}.Strategy", "bayesian", enum("Bayesian", "Random", "Hyperband", "Grid")),
        (f"{CFG}.TrainingJobEarlyStoppingType", "OFF", enum("Off", "Auto")),
        (f"{CFG}.HyperParameterTuningJobObjective.Type", "Max", enum("Maximize", "Minimize")),
        (f"{INT}.ScalingType", "Log", enum("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")),
        (
            f"{DEF}.AlgorithmSpecification.TrainingInputMode",
            "file",
            enum("Pipe", "File", "FastFile"),
        ),
        (
            f"{S3}.S3DataType",
            "Prefix",
            enum("ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"),
        ),
        (f"{CHANNEL}.CompressionType", "GZIP", enum("None", "Gzip")),
        (f"{DEF}.OutputDataConfig.CompressionType", "Gzip", enum("GZIP", "NONE")),
        (
            f"{DEF}.ResourceConfig.InstanceType",
            "ml.x1.huge",
            enum("ml.m4.xlarge", "ml.m4.2xlarge")[:-1],
        ),
        (
            "WarmStartConfig.WarmStartType",
            "TRANSFER_LEARNING",
            enum("IdenticalDataAndAlgorithm", "TransferLearning"),
        ),
        ("Autotune.Mode", "Disabled", enum("Enabled")),
    ],
)
def test_enums(path: str, value: str, rule: str) -> None:
    body = seq2seq()
    if path.startswith("WarmStartConfig"):
        body["WarmStartConfig"] = {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "p"}]
        }
    rejects(with_member(body, path, value), constraint(path, f"'{value}'", rule))


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("HyperParameterTuningJobName", "a" * 33, max_len(32)),
        ("HyperParameterTuningJobName", "", min_len(1)),
        (f"{CFG}.HyperParameterTuningJobObjective.MetricName", "m" * 256, max_len(255)),
        (f"{CONT}.MaxValue", "1" * 257, max_len(256)),
        (f"{DEF}.StaticHyperParameters.bleu_sample_size", "9" * 2501, max_len(2500)),
        (f"{DEF}.AlgorithmSpecification.TrainingImage", "i" * 256, max_len(255)),
        (f"{DEF}.RoleArn", "arn:aws:iam::1:role", min_len(20)),
        (f"{CHANNEL}.ChannelName", "c" * 65, max_len(64)),
        (f"{S3}.S3Uri", "s3://b/" + "k" * 1020, max_len(1024)),
        (f"{DEF}.OutputDataConfig.KmsKeyId", "k" * 2049, max_len(2048)),
    ],
)
def test_string_lengths(path: str, value: str, rule: str) -> None:
    shown = value if len(value) <= 200 else value[:197] + "..."
    rejects(with_member(seq2seq(), path, value), constraint(path, f"'{shown}'", rule))


@pytest.mark.parametrize(
    ("path", "value", "pattern"),
    [
        ("HyperParameterTuningJobName", "bad_name!", "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"),
        ("HyperParameterTuningJobName", "-lead", "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"),
        (
            f"{DEF}.RoleArn",
            "arn:aws:iam::0000:role/local-role-name",
            r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
        ),
        (f"{CHANNEL}.ChannelName", "train data", r"[A-Za-z0-9\.\-_]+"),
        (
            f"{DEF}.AlgorithmSpecification.AlgorithmName",
            "my-algo-",
            r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?"
            r"([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)",
        ),
        (f"{CFG}.HyperParameterTuningJobObjective.MetricName", "a\nb", ".+"),
        (f"{DEF}.StaticHyperParameters.bleu_sample_size", "10\n", ".*"),
        (f"{DEF}.OutputDataConfig.KmsKeyId", "key id", "[a-zA-Z0-9:/_-]*"),
        (f"{DEF}.VpcConfig.Subnets.0", "subnet_1", "[-0-9a-zA-Z]+"),
        ("Tags.0.Key", "a<b", r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"),
        (
            f"{CHANNEL}.DataSource.FileSystemDataSource.FileSystemId",
            "fs-ABCDEFGHI",
            "(fs-[0-9a-f]{8,})",
        ),
    ],
)
def test_patterns(path: str, value: str, pattern: str) -> None:
    body = seq2seq()
    body["Tags"] = [{"Key": "k", "Value": "v"}]
    body[DEF]["VpcConfig"] = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    if "FileSystem" in path:
        del body[DEF]["InputDataConfig"][0]["DataSource"]["S3DataSource"]
        body[DEF]["InputDataConfig"][0]["DataSource"]["FileSystemDataSource"] = {
            "FileSystemId": "fs-0123abcd",
            "FileSystemAccessMode": "ro",
            "FileSystemType": "EFS",
            "DirectoryPath": "/data",
        }
    shown = value.replace("\n", "\\n")
    rejects(
        with_member(body, path, value),
        constraint(
            path, f"'{shown}'", f"Member must satisfy regular expression pattern: {pattern}"
        ),
    )


def test_algorithm_name_may_be_an_arn() -> None:
    body = seq2seq()
    spec = body[DEF]["AlgorithmSpecification"]
    del spec["TrainingImage"]
    spec["AlgorithmName"] = "arn:aws:sagemaker:us-east-1:123456789012:algorithm/my-algo"
    accepts(body)


def test_tags_allow_letters_of_any_script() -> None:
    body = seq2seq()
    body["Tags"] = [{"Key": "Équipe 名前", "Value": "ÄÖ 1.2 a@b:c/d=e+f-g_h"}]
    accepts(body)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://bucket/key",
        "https://bucket.s3.amazonaws.com/k",
        "file:///data/train",
        "data/train",
        "/abs/path",
    ],
)
def test_s3_uris_may_also_be_local(uri: str) -> None:
    accepts(with_member(seq2seq(), f"{S3}.S3Uri", uri))


@pytest.mark.parametrize("uri", ["", "s3://", "ftp://host/x", "file://"])
def test_bad_locations(uri: str) -> None:
    rejects(
        with_member(seq2seq(), f"{S3}.S3Uri", uri),
        constraint(f"{S3}.S3Uri", f"'{uri}'", S3_URI_RULE),
    )


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (f"{CFG}.ResourceLimits.MaxParallelTrainingJobs", 0, ge(1)),
        (f"{CFG}.ResourceLimits.MaxParallelTrainingJobs", 101, le(100)),
        (f"{CFG}.ResourceLimits.MaxNumberOfTrainingJobs", 0, ge(1)),
        (f"{CFG}.ResourceLimits.MaxRuntimeInSeconds", 119, ge(120)),
        (f"{CFG}.ResourceLimits.MaxRuntimeInSeconds", 15768001, le(15768000)),
        (f"{CFG}.RandomSeed", -1, ge(0)),
        (
            f"{CFG}.TuningJobCompletionCriteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving",
            2,
            ge(3),
        ),
        (f"{CFG}.StrategyConfig.HyperbandStrategyConfig.MaxResource", 20001, le(20000)),
        (f"{CFG}.StrategyConfig.HyperbandStrategyConfig.MinResource", 0, ge(1)),
        (f"{DEF}.ResourceConfig.InstanceCount", -1, ge(0)),
        (f"{DEF}.ResourceConfig.KeepAlivePeriodInSeconds", 21601, le(21600)),
        (f"{DEF}.StoppingCondition.MaxRuntimeInSeconds", 0, ge(1)),
        (f"{DEF}.StoppingCondition.MaxRuntimeInSeconds", 2419201, le(2419200)),
        (f"{DEF}.StoppingCondition.MaxPendingTimeInSeconds", 7199, ge(7200)),
        (f"{DEF}.RetryStrategy.MaximumRetryAttempts", 31, le(30)),
    ],
)
def test_numeric_ranges(path: str, value: int, rule: str) -> None:
    body = seq2seq()
    if "Hyperband" in path:
        body[CFG]["Strategy"] = "Hyperband"
        body[CFG]["TrainingJobEarlyStoppingType"] = "Off"
    rejects(with_member(body, path, value), constraint(path, f"'{value}'", rule))


def _categorical(n: int) -> list[str]:
    return [f"v{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        (f"{CAT}.Values", _categorical(31), max_len(30)),
        (f"{CAT}.Values", [], min_len(1)),
        (
            f"{RANGES}.IntegerParameterRanges",
            [{"Name": f"p{i}", "MinValue": "1", "MaxValue": "2"} for i in range(31)],
            max_len(30),
        ),
        (f"{DEF}.InputDataConfig", [], min_len(1)),
        (
            f"{DEF}.AlgorithmSpecification.MetricDefinitions",
            [{"Name": f"m{i}", "Regex": "x"} for i in range(41)],
            max_len(40),
        ),
        ("Tags", [{"Key": f"k{i}", "Value": ""} for i in range(51)], max_len(50)),
        ("TrainingJobDefinitions", [], min_len(1)),
        ("WarmStartConfig.ParentHyperParameterTuningJobs", [], min_len(1)),
        (
            "WarmStartConfig.ParentHyperParameterTuningJobs",
            [{"HyperParameterTuningJobName": f"p{i}"} for i in range(6)],
            max_len(5),
        ),
        (f"{DEF}.VpcConfig.SecurityGroupIds", [f"sg-{i}" for i in range(6)], max_len(5)),
        (f"{DEF}.StaticHyperParameters", {f"h{i}": "1" for i in range(101)}, max_len(100)),
        (f"{DEF}.Environment", {f"E{i}": "1" for i in range(49)}, max_len(48)),
    ],
)
def test_list_and_map_sizes(path: str, value: Any, rule: str) -> None:
    body = seq2seq()
    body["WarmStartConfig"] = {
        "ParentHyperParameterTuningJobs": [],
        "WarmStartType": "TransferLearning",
    }
    body[DEF]["VpcConfig"] = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    message = rejects(
        with_member(body, path, value), f"at '{path}' failed to satisfy constraint: {rule}"
    )
    assert "Value '" in message


def test_map_keys_are_checked() -> None:
    path = f"{DEF}.Environment"
    rejects(
        with_member(seq2seq(), path, {"1BAD": "x"}),
        constraint(
            path,
            "'1BAD'",
            "Map keys must satisfy constraint: [Member must satisfy regular "
            "expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]",
        ),
    )


def test_map_values_are_checked_under_their_key() -> None:
    path = f"{DEF}.Environment.MODE"
    rejects(
        with_member(seq2seq(), path, 2),
        constraint(path, "'2'", must_be("a string", "a number")),
    )


def test_long_values_are_shortened_and_control_characters_escaped() -> None:
    message = rejects(
        with_member(seq2seq(), "HyperParameterTuningJobName", "\x00" + "a" * 300), "Value '\\x00aaa"
    )
    assert "aaa...' at 'HyperParameterTuningJobName'" in message


def test_script_mode_request_rejects_a_number_for_a_hyperparameter() -> None:
    path = f"{DEF}.StaticHyperParameters.epochs"
    rejects(
        with_member(script_mode(), path, 20),
        constraint(path, "'20'", must_be("a string", "a number")),
    )
