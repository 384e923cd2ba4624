"""The SageMaker training-container contract, without a container.

A script-mode training script expects what the SageMaker training toolkit gives it: the `/opt/ml`
tree (config files, channel data, model and output folders), the `SM_*` variables and its
hyperparameters as `--name value` arguments. This module builds all of that for a `RunSpec`
under `<job_dir>/ml` (which `SAGEMAKER_BASE_DIR` points at, so the toolkit itself would agree),
and packs the artifacts afterwards as SageMaker uploads them. The argv and environment builders
are pure functions of the RunSpec and the paths; only `prepare_tree` and `pack_artifacts` touch
the disk.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import sys
import tarfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

from trimtab.backends.base import Channel, RunSpec
from trimtab.errors import ValidationError
from trimtab.opt_ml import MlPaths
from trimtab.spec.hyperparameters import PROGRAM, RESERVED, SUBMIT_DIRECTORY, decode, is_reserved

logger = logging.getLogger(__name__)

HOST: Final = "algo-1"
INSTANCE_GROUP: Final = "homogeneousCluster"
FAILURE_REASON_LIMIT: Final = 1024


def tree(run: RunSpec) -> MlPaths:
    """The job's `/opt/ml` tree: under its own folder, with its CheckpointConfig.LocalPath."""
    return MlPaths.under(Path(run.job_dir) / "ml", checkpoints=run.checkpoint_local_path)


# --- hyperparameters and argv (toolkit: environment.read_hyperparameters, mapping.to_cmd_args)


def split_hyperparameters(
    hyperparameters: Mapping[str, str],
) -> tuple[dict[str, object], dict[str, object]]:
    """Decoded (user, sagemaker) hyperparameters: the script only ever sees the first."""
    user: dict[str, object] = {}
    sagemaker: dict[str, object] = {}
    for name, raw in hyperparameters.items():
        (sagemaker if is_reserved(name) else user)[name] = decode(raw)
    return user, sagemaker


def _render(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def to_cmd_args(hyperparameters: Mapping[str, object]) -> list[str]:
    """`--name value` pairs (`-x value` for one-letter names), names sorted, values `str()`-ed."""
    args: list[str] = []
    for name in sorted(hyperparameters):
        flag = f"--{name}" if len(name) > 1 else f"-{name}" if name else ""
        args += [flag, _render(hyperparameters[name])]
    return args


def entry_point(run: RunSpec) -> str:
    """The script to run: `SAGEMAKER_PROGRAM` from the environment, else `sagemaker_program`."""
    raw = run.environment.get("SAGEMAKER_PROGRAM") or run.hyperparameters.get(PROGRAM)
    entry = "" if raw is None else str(decode(raw))
    if not entry:
        raise ValidationError(
            f"Value {raw!r} for hyperparameter '{PROGRAM}' of training job "
            f"{run.training_job_name} failed to satisfy constraint: script mode needs the entry "
            'point, e.g. "\\"train.py\\""'
        )
    return entry


def build_command(run: RunSpec, paths: MlPaths) -> list[str]:
    """The toolkit's command, checked in this order: `.sh` → `/bin/sh -c "./entry args"`; code
    with a `setup.py` → `python -m module args`; `.py` → `python entry args`; else the sh form.

    Unlike the toolkit, sh arguments are shell-quoted, so a value with a space stays one argument.
    """
    python = run.python or sys.executable
    if run.algorithm_module is not None:
        return [python, "-m", run.algorithm_module]  # built-ins read hyperparameters.json
    entry = entry_point(run)
    args = to_cmd_args(split_hyperparameters(run.hyperparameters)[0])
    if not entry.endswith(".sh"):
        if (paths.code / "setup.py").exists():
            return [python, "-m", entry.replace(".py", ""), *args]
        if entry.endswith(".py"):
            return [python, entry, *args]
    return ["/bin/sh", "-c", f"./{entry} {' '.join(shlex.quote(a) for a in args)}"]


# --- environment (toolkit: environment.Environment.to_env_vars, mapping.to_env_vars)


def resource_config(run: RunSpec) -> dict[str, object]:
    """resourceconfig.json: the whole job runs as one host, `algo-1`, whatever InstanceCount."""
    hosts = [HOST]
    return {
        "current_host": HOST,
        "current_instance_type": run.instance_type,
        "current_group_name": INSTANCE_GROUP,
        "hosts": hosts,
        "instance_groups": [
            {
                "instance_group_name": INSTANCE_GROUP,
                "instance_type": run.instance_type,
                "hosts": hosts,
            }
        ],
        "network_interface_name": "eth0",
    }


def input_data_config(channels: Sequence[Channel]) -> dict[str, dict[str, str]]:
    """inputdataconfig.json. Pipe channels are served as files, so they say `File`."""
    config: dict[str, dict[str, str]] = {}
    for channel in channels:
        entry = {"ContentType": channel.content_type} if channel.content_type else {}
        config[channel.name] = entry | {
            "TrainingInputMode": "File" if channel.input_mode == "Pipe" else channel.input_mode,
            "S3DistributionType": channel.distribution_type,
            "RecordWrapperType": channel.record_wrapper_type,
        }
    return config


def training_environment(
    run: RunSpec, paths: MlPaths, *, num_gpus: int, num_cpus: int
) -> dict[str, object]:
    """What the toolkit's `Environment` holds (`SM_TRAINING_ENV`), for a single host."""
    user, sagemaker = split_hyperparameters(run.hyperparameters)
    resources = resource_config(run)
    entry = entry_point(run) if run.algorithm_module is None else run.algorithm_module
    group = {"instance_group_name": INSTANCE_GROUP, "instance_type": run.instance_type}
    return {
        "additional_framework_parameters": {
            k: v for k, v in sagemaker.items() if k not in RESERVED
        },
        "channel_input_dirs": {c.name: str(paths.channel(c.name)) for c in run.channels},
        "current_host": HOST,
        "current_instance_group": INSTANCE_GROUP,
        "current_instance_group_hosts": [HOST],
        "current_instance_type": run.instance_type,
        "distribution_hosts": [],
        "distribution_instance_groups": [],
        "framework_module": None,
        "hosts": [HOST],
        "hyperparameters": user,
        "input_config_dir": str(paths.config),
        "input_data_config": input_data_config(run.channels),
        "input_dir": str(paths.input),
        "instance_groups": [INSTANCE_GROUP],
        "instance_groups_dict": {INSTANCE_GROUP: group | {"hosts": [HOST]}},
        "is_hetero": False,
        "is_master": True,
        "is_modelparallel_enabled": None,
        "job_name": run.training_job_name,
        "log_level": sagemaker.get("sagemaker_container_log_level", logging.INFO),
        "master_hostname": HOST,
        "model_dir": str(paths.model),
        "module_dir": str(sagemaker.get(SUBMIT_DIRECTORY, paths.code)),
        "module_name": entry.removesuffix(".py"),
        "network_interface_name": resources["network_interface_name"],
        "num_cpus": num_cpus,
        "num_gpus": num_gpus,
        "num_neurons": 0,
        "output_data_dir": str(paths.output_data),
        "output_dir": str(paths.output),
        "output_intermediate_dir": str(paths.intermediate),
        "resource_config": resources,
        "user_entry_point": entry,
    }


def _env_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


# The toolkit exports its training environment as SM_<KEY>, under these two names, less these.
_RENAMED: Final = {"hyperparameters": "hps", "additional_framework_parameters": "framework_params"}
_NOT_EXPORTED: Final = frozenset(
    {"channel_input_dirs", "distribution_hosts", "is_master", "is_modelparallel_enabled"}
    | {"job_name", "master_hostname"}
)


def build_environment(
    run: RunSpec, paths: MlPaths, *, gpus: Sequence[str] | None, num_cpus: int
) -> dict[str, str]:
    """The variables the platform and the toolkit set: every `SM_*` one, the job's name, ARN and
    region, `SAGEMAKER_BASE_DIR`, and `CUDA_VISIBLE_DEVICES` unless `gpus` is None (a machine
    without GPUs). `RunSpec.environment` is merged under these by `merge_environment`."""
    env = training_environment(run, paths, num_gpus=len(gpus or ()), num_cpus=num_cpus)
    hps, sagemaker = split_hyperparameters(run.hyperparameters)
    sm = {_RENAMED.get(k, k): v for k, v in env.items() if k not in _NOT_EXPORTED}
    sm |= {
        "channels": sorted(c.name for c in run.channels),
        "training_env": env,
        "user_args": to_cmd_args(hps),
    }
    sm |= {f"channel_{c.name}": str(paths.channel(c.name)) for c in run.channels}
    sm |= {f"hp_{name}": value for name, value in hps.items()}
    variables = {f"SM_{key.upper()}": _env_value(value) for key, value in sm.items()}
    variables |= {
        "TRAINING_JOB_NAME": run.training_job_name,
        "TRAINING_JOB_ARN": run.training_job_arn,
        "SAGEMAKER_JOB_NAME": _env_value(
            sagemaker.get("sagemaker_job_name", run.training_job_name)
        ),
        "CURRENT_HOST": HOST,
        "SAGEMAKER_REGION": _env_value(sagemaker.get("sagemaker_region", run.region)),
        "SAGEMAKER_BASE_DIR": str(paths.base),
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(paths.code),
    }
    if gpus is not None:
        variables["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
    return variables


def merge_environment(
    inherited: Mapping[str, str], run: RunSpec, contract: Mapping[str, str]
) -> dict[str, str]:
    """The process environment: inherited (minus stray `SM_*`), then `RunSpec.environment`, then
    the contract's variables; the code folder goes in front of any inherited `PYTHONPATH`."""
    env = {k: v for k, v in inherited.items() if not k.startswith("SM_")}
    env |= run.environment
    pythonpath = env.get("PYTHONPATH")
    env |= contract
    if pythonpath and "PYTHONPATH" in contract:
        env["PYTHONPATH"] = contract["PYTHONPATH"] + os.pathsep + pythonpath
    return env


# --- the tree on disk


def prepare_tree(run: RunSpec) -> MlPaths:
    """Build a fresh tree for one attempt (model/, output/, input/ and code/ are emptied; the
    checkpoints folder is kept and overlaid from `checkpoint_s3_uri`). Raises ValidationError for
    a missing entry point, code location or channel source."""
    paths = tree(run)
    script_mode = run.algorithm_module is None
    entry = entry_point(run) if script_mode else ""
    code = _code_source(run) if script_mode else None
    for channel in run.channels:
        if not os.path.exists(channel.source):
            raise _missing_channel(channel, channel.source)
    for folder in (paths.input, paths.model, paths.output, paths.code):
        if folder.exists():
            shutil.rmtree(folder)
    for folder in (paths.config, paths.data, paths.model, paths.output_data, paths.intermediate):
        folder.mkdir(parents=True)
    if code is None:
        paths.code.mkdir()
    else:
        _install_code(code, paths.code, skip=Path(run.job_dir))
        _check_entry_point(entry, paths, run)
    _write_json(paths.config / "hyperparameters.json", dict(run.hyperparameters))
    _write_json(paths.config / "resourceconfig.json", resource_config(run))
    _write_json(paths.config / "inputdataconfig.json", input_data_config(run.channels))
    for channel in run.channels:
        _link_channel(channel, paths.channel(channel.name))
    paths.checkpoints.mkdir(parents=True, exist_ok=True)
    if run.checkpoint_s3_uri and Path(run.checkpoint_s3_uri).is_dir():
        shutil.copytree(run.checkpoint_s3_uri, paths.checkpoints, dirs_exist_ok=True)
    return paths


def _write_json(path: Path, content: object) -> None:
    path.write_text(json.dumps(content), encoding="utf-8")


def _code_source(run: RunSpec) -> Path:
    if run.code_dir is None or not Path(run.code_dir).exists():
        raise ValidationError(
            f"Value {run.code_dir!r} for hyperparameter '{SUBMIT_DIRECTORY}' of training job "
            f"{run.training_job_name} failed to satisfy constraint: must be an existing folder "
            "or .tar.gz holding the training code"
        )
    return Path(run.code_dir)


def _install_code(source: Path, dest: Path, skip: Path) -> None:
    """Copy a code folder (leaving out `__pycache__` and the job's own folder, should it lie
    inside) or unpack an archive; a fresh `dest` per attempt, as a fresh instance would have."""
    if source.is_dir():
        skip = skip.resolve()
        shutil.copytree(source, dest, ignore=_ignore_in_code(skip), ignore_dangling_symlinks=True)
        return
    try:
        with tarfile.open(source) as archive:
            archive.extractall(dest, filter="data")
    except tarfile.TarError as error:
        raise ValidationError(
            f"Value '{source}' for hyperparameter '{SUBMIT_DIRECTORY}' failed to satisfy "
            f"constraint: must be a folder or a readable .tar.gz ({error})"
        ) from None


def _ignore_in_code(skip: Path) -> Callable[[str, list[str]], set[str]]:
    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).resolve()
        return {n for n in names if n == "__pycache__" or here / n == skip}

    return ignore


def _check_entry_point(entry: str, paths: MlPaths, run: RunSpec) -> None:
    """The entry point must be in the code (as a module or package when the code is installable);
    a shell entry point is made executable, as the toolkit does."""
    script = paths.code / entry
    module = paths.code / entry.replace(".py", "").replace(".", "/")
    package = (paths.code / "setup.py").exists() and not entry.endswith(".sh")
    if not (
        script.is_file() or (package and (module.with_suffix(".py").is_file() or module.is_dir()))
    ):
        raise ValidationError(
            f"Value {run.hyperparameters.get(PROGRAM, entry)!r} for hyperparameter '{PROGRAM}' "
            f"failed to satisfy constraint: the entry point '{entry}' is not in the training "
            f"code '{run.code_dir}'"
        )
    if script.is_file() and not entry.endswith(".py"):
        script.chmod(script.stat().st_mode | 0o111)


def _missing_channel(channel: Channel, path: str) -> ValidationError:
    return ValidationError(
        f"Value '{path}' for the data of channel '{channel.name}' failed to satisfy constraint: "
        "no such local file or folder"
    )


def _link_channel(channel: Channel, dest: Path) -> None:
    """File mode, with symlinks: a folder becomes the channel folder, a single object is linked
    into it, and a manifest's listed files are linked at their keys."""
    source = Path(channel.source).absolute()
    if channel.s3_data_type == "ManifestFile":
        dest.mkdir()
        for key, target in manifest_entries(channel, source):
            (dest / key).parent.mkdir(parents=True, exist_ok=True)
            (dest / key).symlink_to(target)
    elif source.is_dir():
        dest.symlink_to(source, target_is_directory=True)
    else:
        dest.mkdir()
        (dest / source.name).symlink_to(source)


def manifest_entries(channel: Channel, manifest: Path) -> list[tuple[str, Path]]:
    """`[{"prefix": "<folder or file://...>"}, "key", ...]` → (key, file) pairs, all present."""
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
        prefix = str(content[0]["prefix"]).removeprefix("file://")
        keys = [str(k) for k in content[1:]]
    except (ValueError, TypeError, LookupError, OSError) as error:
        raise ValidationError(
            f"Value '{manifest}' for the data of channel '{channel.name}' failed to satisfy "
            f'constraint: must be a manifest file [{{"prefix": ...}}, "key", ...] ({error})'
        ) from None
    entries = [(key, Path(prefix) / key) for key in keys]
    for key, target in entries:
        if Path(key).is_absolute() or ".." in Path(key).parts or not target.is_file():
            raise _missing_channel(channel, str(target))
    return entries


# --- after the process has ended


def read_failure_reason(paths: MlPaths) -> str | None:
    """The first 1024 characters of `output/failure`, or None when there is no (blank) file."""
    try:
        with paths.failure.open("rb") as file:
            head = file.read(4 * FAILURE_REASON_LIMIT)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace")[:FAILURE_REASON_LIMIT].rstrip()
    return text or None


def pack_artifacts(run: RunSpec, paths: MlPaths) -> None:
    """Upload, locally: model/ → `<output_path>/<job>/output/model.tar.gz` (or the `model/`
    folder when uncompressed), a non-empty output/data/ → `output.tar.gz`, and the checkpoints
    folder → `checkpoint_s3_uri`. Archives appear atomically: no reader sees half of one."""
    if run.output_path:
        out = Path(run.output_path) / run.training_job_name / "output"
        out.mkdir(parents=True, exist_ok=True)
        if run.compress_model:
            _tar_contents(paths.model, out / "model.tar.gz")
        else:
            shutil.rmtree(out / "model", ignore_errors=True)
            shutil.copytree(paths.model, out / "model")
        if paths.output_data.is_dir() and any(paths.output_data.iterdir()):
            _tar_contents(paths.output_data, out / "output.tar.gz")
    if run.checkpoint_s3_uri and paths.checkpoints.is_dir():
        shutil.copytree(paths.checkpoints, run.checkpoint_s3_uri, dirs_exist_ok=True)


def _tar_contents(folder: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
        for entry in sorted(folder.iterdir()) if folder.is_dir() else ():
            archive.add(entry, arcname=entry.name)
    os.replace(partial, target)
