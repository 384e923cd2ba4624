"""The training-container contract, without processes: argv, environment, tree and packing."""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.backends.base import Channel, RunSpec
from trimtab.backends.contract import (
    build_command,
    build_environment,
    merge_environment,
    pack_artifacts,
    prepare_tree,
    read_failure_reason,
    split_hyperparameters,
    to_cmd_args,
    tree,
)
from trimtab.errors import ValidationError
from trimtab.spec.hyperparameters import decode

# What the SageMaker Python SDK sends for a framework estimator inside a tuning job.
SDK_HYPERPARAMETERS = {
    "sagemaker_program": '"train.py"',
    "sagemaker_submit_directory": '"/x/src"',
    "sagemaker_container_log_level": "20",
    "_tuning_objective_metric": "loss",
    "epochs": "10",
    "lr": "1e-3",
    "optimizer": '"adam"',
    "flag": "true",
    "x": "0.5",
}
SDK_ARGV = ["--epochs", "10", "--flag", "True", "--lr", "0.001", "--optimizer", "adam", "-x", "0.5"]


def make_run(tmp_path: Path, **changes: object) -> RunSpec:
    code = tmp_path / "src"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text("print('loss=1')\n")
    for name in ("train", "test"):
        (tmp_path / "data" / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / name / f"{name}.csv").write_text("1,2\n")
    fields: dict[str, object] = {
        "training_job_name": "tune-001-abcdef12",
        "training_job_arn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/tune-001-x",
        "job_dir": str(tmp_path / "job"),
        "log_path": str(tmp_path / "job" / "log.txt"),
        "hyperparameters": SDK_HYPERPARAMETERS,
        "training_image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.1",
        "code_dir": str(code),
        "channels": (
            Channel("train", str(tmp_path / "data" / "train"), content_type="text/csv"),
            Channel("test", str(tmp_path / "data" / "test")),
        ),
        "output_path": str(tmp_path / "out"),
    }
    fields.update(changes)
    return RunSpec(**fields)  # type: ignore[arg-type]


# --- hyperparameters and argv


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("10", 10),
        ("1e-3", 0.001),
        ("true", True),
        ('"adam"', "adam"),
        ("adam", "adam"),
        ("[1, 2", "[1, 2"),
    ],
)
def test_values_are_json_decoded_else_kept_raw(raw: str, decoded: object) -> None:
    assert decode(raw) == decoded


def test_argv_is_what_the_toolkit_passes_for_an_sdk_tuning_job() -> None:
    user, sagemaker = split_hyperparameters(SDK_HYPERPARAMETERS)
    assert to_cmd_args(user) == SDK_ARGV
    assert set(sagemaker) == {
        "sagemaker_program",
        "sagemaker_submit_directory",
        "sagemaker_container_log_level",
        "_tuning_objective_metric",
    }


def test_argv_renders_lists_and_dicts_like_the_toolkit() -> None:
    hps = {"lst": "[1, 2]", "name": '"adam"', "opts": '{"b": 2, "a": "x"}', "none": "null"}
    user, _ = split_hyperparameters(hps)
    assert to_cmd_args(user) == [
        "--lst",
        "[1, 2]",
        "--name",
        "adam",
        "--none",
        "",
        "--opts",
        "a=x,b=2",
    ]


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=6))
def test_argv_never_raises_and_pairs_every_user_hyperparameter(hps: dict[str, str]) -> None:
    user, sagemaker = split_hyperparameters(hps)
    args = to_cmd_args(user)
    assert len(args) == 2 * len(user)
    assert len(user) + len(sagemaker) == len(hps)


@pytest.mark.parametrize(
    ("program", "setup_py", "expected"),
    [
        ("run.sh", True, ["/bin/sh", "-c", "./run.sh --epochs 10 --msg 'hello world'"]),
        ("train.py", True, ["PY", "-m", "train", "--epochs", "10", "--msg", "hello world"]),
        ("train.py", False, ["PY", "train.py", "--epochs", "10", "--msg", "hello world"]),
        ("train", False, ["/bin/sh", "-c", "./train --epochs 10 --msg 'hello world'"]),
    ],
)
def test_entry_point_rules_in_the_toolkit_order(
    tmp_path: Path, program: str, setup_py: bool, expected: list[str]
) -> None:
    hps = {"sagemaker_program": json.dumps(program), "epochs": "10", "msg": '"hello world"'}
    run = make_run(tmp_path, hyperparameters=hps, python="PY")
    paths = tree(run)
    paths.code.mkdir(parents=True)
    if setup_py:
        (paths.code / "setup.py").write_text("")
    assert build_command(run, paths) == expected


def test_the_interpreter_defaults_to_the_running_one(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    assert build_command(run, tree(run)) == [sys.executable, "train.py", *SDK_ARGV]


# --- environment


def test_environment_is_what_the_toolkit_sets(tmp_path: Path) -> None:
    hps = {**SDK_HYPERPARAMETERS, "learning-rate": "0.1", "sagemaker_pytorch_ddp_enabled": "false"}
    run = make_run(tmp_path, hyperparameters=hps, environment={"MY_VAR": "1"})
    paths = tree(run)
    env = build_environment(run, paths, gpus=None, num_cpus=8)
    base = str(tmp_path / "job" / "ml")
    assert env["SM_HPS"] == (
        '{"epochs":10,"flag":true,"learning-rate":0.1,"lr":0.001,"optimizer":"adam","x":0.5}'
    )
    assert {k: v for k, v in env.items() if k.startswith("SM_HP_")} == {
        "SM_HP_EPOCHS": "10",
        "SM_HP_FLAG": "true",
        "SM_HP_LEARNING-RATE": "0.1",
        "SM_HP_LR": "0.001",
        "SM_HP_OPTIMIZER": "adam",
        "SM_HP_X": "0.5",
    }
    with_hyphen = ["--learning-rate", "0.1"]
    assert json.loads(env["SM_USER_ARGS"]) == [*SDK_ARGV[:4], *with_hyphen, *SDK_ARGV[4:]]
    assert env["SM_CHANNELS"] == '["test","train"]'
    assert env["SM_CHANNEL_TRAIN"] == f"{base}/input/data/train"
    assert env["SM_FRAMEWORK_PARAMS"] == '{"sagemaker_pytorch_ddp_enabled":false}'
    expected = {
        "SM_MODEL_DIR": f"{base}/model",
        "SM_INPUT_DIR": f"{base}/input",
        "SM_INPUT_CONFIG_DIR": f"{base}/input/config",
        "SM_OUTPUT_DIR": f"{base}/output",
        "SM_OUTPUT_DATA_DIR": f"{base}/output/data",
        "SM_OUTPUT_INTERMEDIATE_DIR": f"{base}/output/intermediate",
        "SM_MODULE_NAME": "train",
        "SM_MODULE_DIR": "/x/src",
        "SM_USER_ENTRY_POINT": "train.py",
        "SM_LOG_LEVEL": "20",
        "SM_NUM_GPUS": "0",
        "SM_NUM_CPUS": "8",
        "SM_NUM_NEURONS": "0",
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": '["algo-1"]',
        "SM_NETWORK_INTERFACE_NAME": "eth0",
        "SM_CURRENT_INSTANCE_TYPE": "ml.m5.xlarge",
        "SM_CURRENT_INSTANCE_GROUP": "homogeneousCluster",
        "SM_IS_HETERO": "false",
        "SM_FRAMEWORK_MODULE": "",
        "TRAINING_JOB_NAME": run.training_job_name,
        "TRAINING_JOB_ARN": run.training_job_arn,
        "SAGEMAKER_JOB_NAME": run.training_job_name,
        "CURRENT_HOST": "algo-1",
        "SAGEMAKER_REGION": "us-east-1",
        "SAGEMAKER_BASE_DIR": base,
        "PYTHONUNBUFFERED": "1",
    }
    assert {k: env[k] for k in expected} == expected
    assert json.loads(env["SM_INPUT_DATA_CONFIG"])["train"]["ContentType"] == "text/csv"
    assert "CUDA_VISIBLE_DEVICES" not in env
    assert "MY_VAR" not in env  # merged in by merge_environment


def test_training_env_holds_the_toolkit_environment_properties(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    env = build_environment(run, tree(run), gpus=("1",), num_cpus=4)
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert set(training_env) == {
        *("additional_framework_parameters", "channel_input_dirs", "current_host"),
        *("current_instance_group", "current_instance_group_hosts", "current_instance_type"),
        *("distribution_hosts", "distribution_instance_groups", "framework_module", "hosts"),
        *("hyperparameters", "input_config_dir", "input_data_config", "input_dir"),
        *("instance_groups", "instance_groups_dict", "is_hetero", "is_master"),
        *("is_modelparallel_enabled", "job_name", "log_level", "master_hostname", "model_dir"),
        *("module_dir", "module_name", "network_interface_name", "num_cpus", "num_gpus"),
        *("num_neurons", "output_data_dir", "output_dir", "output_intermediate_dir"),
        *("resource_config", "user_entry_point"),
    }
    assert training_env["hyperparameters"] == json.loads(env["SM_HPS"])
    assert (training_env["num_gpus"], env["SM_NUM_GPUS"], env["CUDA_VISIBLE_DEVICES"]) == (
        1,
        "1",
        "1",
    )


def test_cpu_jobs_on_a_gpu_machine_see_no_gpu(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    env = build_environment(run, tree(run), gpus=(), num_cpus=1)
    assert (env["CUDA_VISIBLE_DEVICES"], env["SM_NUM_GPUS"]) == ("", "0")


def test_merged_environment_layers_inherited_then_job_then_contract(tmp_path: Path) -> None:
    run = make_run(
        tmp_path, environment={"MY_VAR": "1", "SM_MODEL_DIR": "/nope", "PYTHONPATH": "/a"}
    )
    contract = build_environment(run, tree(run), gpus=None, num_cpus=1)
    inherited = {"HOME": "/home/me", "SM_CHANNEL_STALE": "/old", "PYTHONPATH": "/b"}
    env = merge_environment(inherited, run, contract)
    assert env["HOME"] == "/home/me"
    assert env["MY_VAR"] == "1"
    assert "SM_CHANNEL_STALE" not in env
    assert env["SM_MODEL_DIR"] == contract["SM_MODEL_DIR"]
    assert env["PYTHONPATH"] == f"{tmp_path}/job/ml/code:/a"


# --- the tree


def test_tree_files_are_what_sagemaker_writes(tmp_path: Path) -> None:
    run = make_run(tmp_path, instance_type="ml.g5.xlarge")
    paths = prepare_tree(run)
    config = paths.config
    assert json.loads((config / "hyperparameters.json").read_text()) == SDK_HYPERPARAMETERS
    assert json.loads((config / "resourceconfig.json").read_text()) == {
        "current_host": "algo-1",
        "current_instance_type": "ml.g5.xlarge",
        "current_group_name": "homogeneousCluster",
        "hosts": ["algo-1"],
        "instance_groups": [
            {
                "instance_group_name": "homogeneousCluster",
                "instance_type": "ml.g5.xlarge",
                "hosts": ["algo-1"],
            }
        ],
        "network_interface_name": "eth0",
    }
    common = {"S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
    assert json.loads((config / "inputdataconfig.json").read_text()) == {
        "train": {"ContentType": "text/csv", "TrainingInputMode": "File", **common},
        "test": {"TrainingInputMode": "File", **common},
    }
    for folder in (paths.model, paths.output_data, paths.intermediate, paths.checkpoints):
        assert folder.is_dir()
    assert (paths.code / "train.py").is_file()
    assert paths.channel("train").is_symlink()
    assert (paths.channel("train") / "train.csv").read_text() == "1,2\n"


def test_code_can_come_from_a_tar_gz(tmp_path: Path) -> None:
    archive = tmp_path / "sourcedir.tar.gz"
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "train.py").write_text("")
    (tmp_path / "pkg" / "util.py").write_text("")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "pkg", arcname=".")
    paths = prepare_tree(make_run(tmp_path, code_dir=str(archive)))
    assert sorted(p.name for p in paths.code.iterdir()) == ["train.py", "util.py"]


def test_a_shell_entry_point_is_made_executable(tmp_path: Path) -> None:
    run = make_run(tmp_path, hyperparameters={"sagemaker_program": '"go.sh"'})
    Path(run.code_dir or "").joinpath("go.sh").write_text("echo hi\n")
    paths = prepare_tree(run)
    assert (paths.code / "go.sh").stat().st_mode & 0o111


def test_file_and_manifest_channels_are_linked(tmp_path: Path) -> None:
    single = tmp_path / "one.csv"
    single.write_text("a\n")
    (tmp_path / "pool" / "sub").mkdir(parents=True)
    (tmp_path / "pool" / "sub" / "b.csv").write_text("b\n")
    (tmp_path / "pool" / "c.csv").write_text("c\n")
    manifest = tmp_path / "list.manifest"
    manifest.write_text(json.dumps([{"prefix": f"file://{tmp_path}/pool/"}, "sub/b.csv"]))
    run = make_run(
        tmp_path,
        channels=(
            Channel("one", str(single)),
            Channel("listed", str(manifest), s3_data_type="ManifestFile", input_mode="Pipe"),
        ),
    )
    paths = prepare_tree(run)
    assert [p.name for p in paths.channel("one").iterdir()] == ["one.csv"]
    assert (paths.channel("listed") / "sub" / "b.csv").read_text() == "b\n"
    assert not (paths.channel("listed") / "c.csv").exists()
    config = json.loads((paths.config / "inputdataconfig.json").read_text())
    assert config["listed"]["TrainingInputMode"] == "File"  # Pipe is served as files


def test_a_new_attempt_gets_a_fresh_tree_but_keeps_checkpoints(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    paths = prepare_tree(run)
    (paths.model / "old.bin").write_text("x")
    paths.failure.write_text("boom")
    (paths.checkpoints / "step.txt").write_text("3")
    prepare_tree(run)
    assert not (paths.model / "old.bin").exists()
    assert not paths.failure.exists()
    assert (paths.checkpoints / "step.txt").read_text() == "3"


def test_checkpoints_are_restored_from_the_checkpoint_uri(tmp_path: Path) -> None:
    store = tmp_path / "ckpt"
    store.mkdir()
    (store / "step.txt").write_text("7")
    run = make_run(tmp_path, checkpoint_s3_uri=str(store), checkpoint_local_path="/opt/ml/ckpt")
    paths = prepare_tree(run)
    assert paths.checkpoints == tmp_path / "job" / "ml" / "ckpt"
    assert (paths.checkpoints / "step.txt").read_text() == "7"
    elsewhere = tree(make_run(tmp_path, checkpoint_local_path=str(tmp_path / "c")))
    assert elsewhere.checkpoints == tmp_path / "c"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hyperparameters": {"epochs": "1"}}, "hyperparameter 'sagemaker_program'"),
        (
            {"hyperparameters": {"sagemaker_program": '"nope.py"'}},
            r"Value '\"nope.py\"' for hyperparameter 'sagemaker_program'.*'nope.py' is not in",
        ),
        (
            {"code_dir": "/does/not/exist"},
            "Value '/does/not/exist' for hyperparameter 'sagemaker_submit",
        ),
        ({"code_dir": None}, "Value None for hyperparameter 'sagemaker_submit_directory'"),
        (
            {"channels": (Channel("train", "/no/such/data"),)},
            "Value '/no/such/data' for the data of channel 'train'.*no such local file",
        ),
    ],
)
def test_problems_the_user_must_fix_are_validation_errors(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        prepare_tree(make_run(tmp_path, **changes))


@pytest.mark.parametrize("key", ["gone.csv", "../data/train/train.csv"])
def test_a_manifest_naming_a_missing_or_outside_file_is_a_validation_error(
    tmp_path: Path, key: str
) -> None:
    manifest = tmp_path / "m.manifest"
    manifest.write_text(json.dumps([{"prefix": str(tmp_path / "data")}, key]))
    channel = Channel("train", str(manifest), s3_data_type="ManifestFile")
    with pytest.raises(ValidationError, match=f"/{key}' for the data of channel 'train'"):
        prepare_tree(make_run(tmp_path, channels=(channel,)))


def test_code_that_is_neither_folder_nor_archive_is_a_validation_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a tarball")
    with pytest.raises(ValidationError, match=r"must be a folder or a readable \.tar\.gz"):
        prepare_tree(make_run(tmp_path, code_dir=str(tmp_path / "notes.txt")))


# --- after the process


def test_artifacts_are_packed_where_sagemaker_uploads_them(tmp_path: Path) -> None:
    store = tmp_path / "ckpt"
    run = make_run(tmp_path, checkpoint_s3_uri=str(store))
    paths = prepare_tree(run)
    (paths.model / "weights.bin").write_bytes(b"\x00\x01")
    (paths.model / "sub").mkdir()
    (paths.model / "sub" / "config.json").write_text("{}")
    (paths.checkpoints / "step.txt").write_text("2")
    pack_artifacts(run, paths)
    out = tmp_path / "out" / run.training_job_name / "output"
    with tarfile.open(out / "model.tar.gz") as tar:
        assert sorted(tar.getnames()) == ["sub", "sub/config.json", "weights.bin"]
    assert not (out / "output.tar.gz").exists()  # output/data/ was empty
    assert (store / "step.txt").read_text() == "2"
    (paths.output_data / "metrics.csv").write_text("1\n")
    pack_artifacts(run, paths)
    with tarfile.open(out / "output.tar.gz") as tar:
        assert tar.getnames() == ["metrics.csv"]


def test_uncompressed_models_are_copied_as_a_folder(tmp_path: Path) -> None:
    run = make_run(tmp_path, compress_model=False)
    paths = prepare_tree(run)
    (paths.model / "weights.bin").write_text("w")
    pack_artifacts(run, paths)
    pack_artifacts(run, paths)  # a second pack replaces the folder
    model = tmp_path / "out" / run.training_job_name / "output" / "model"
    assert [p.name for p in model.iterdir()] == ["weights.bin"]


def test_failure_reason_is_the_first_1024_characters_of_the_failure_file(tmp_path: Path) -> None:
    paths = prepare_tree(make_run(tmp_path))
    assert read_failure_reason(paths) is None
    paths.failure.write_text("  \n")
    assert read_failure_reason(paths) is None
    paths.failure.write_bytes("é".encode() * 2000 + b"\xff")
    assert read_failure_reason(paths) == "é" * 1024
