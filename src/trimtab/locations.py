"""Where a request's S3 locations are on this machine, checked before anything is written.

A tuning job names its data, code and outputs as SageMaker does; here each becomes a local path:
a plain path (relative ones resolve against the job file's folder, `base_dir`), a `file://` URI,
or `s3://bucket/key`, read from `$TRIMTAB_S3_ROOT/bucket/key` when `TRIMTAB_S3_ROOT` is set. A
channel or code location that is not there is a `ValidationError` naming the field, so a job
fails when it is created, not hours later when its first training job starts.
"""

from __future__ import annotations

import glob
import os
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from trimtab.backends.base import Channel
from trimtab.backends.contract import manifest_entries
from trimtab.errors import ValidationError
from trimtab.spec.definition import HyperParameterTrainingJobDefinition
from trimtab.spec.hyperparameters import PROGRAM, SUBMIT_DIRECTORY, decode_text


@dataclass(frozen=True)
class Roots:
    """The folders a request from the API may name (resolved), and nothing outside them."""

    folders: tuple[Path, ...]

    @classmethod
    def of(cls, folders: Iterable[str | Path]) -> Roots:
        return cls(tuple(Path(f).expanduser().resolve() for f in folders))

    def check(self, path: Path, uri: str, field_path: str) -> None:
        real = path.resolve()
        if not any(real.is_relative_to(folder) for folder in self.folders):
            allowed = ", ".join(str(f) for f in self.folders) or "none"
            raise ValidationError(
                f"Value '{uri}' at '{field_path}' failed to satisfy constraint: '{real}' is "
                f"outside the folders this server may read and write ({allowed}; start it "
                "with --allow-path to add one)"
            )


def resolve(uri: str, field_path: str, base_dir: Path, roots: Roots | None = None) -> Path:
    """The local path an `S3Uri`-like value names (see the module docstring); with `roots`,
    an absolute one under them."""
    if "\x00" in uri:  # no file name holds one, and the system calls refuse it
        raise ValidationError(
            f"Value {uri!r} at '{field_path}' failed to satisfy constraint: a path must not "
            "contain a NUL character"
        )
    if uri.startswith("file://"):
        path = Path(uri.removeprefix("file://"))
    elif uri.startswith(("s3://", "https://")):
        root = os.environ.get("TRIMTAB_S3_ROOT")
        if not root or not uri.startswith("s3://"):
            raise ValidationError(
                f"Value '{uri}' at '{field_path}' failed to satisfy constraint: trimtab reads "
                "data from this machine: give a local path or a file:// URI, or set "
                "TRIMTAB_S3_ROOT to a folder mirroring your buckets "
                "(s3://bucket/key is then read from $TRIMTAB_S3_ROOT/bucket/key)"
            )
        path = Path(root) / uri.removeprefix("s3://")
    else:
        path = Path(uri)
    if roots is None:
        return path if path.is_absolute() else base_dir / path
    if not path.is_absolute():
        raise ValidationError(
            f"Value '{uri}' at '{field_path}' failed to satisfy constraint: a request over the "
            "API must give an absolute path, a file:// URI or an s3:// URI (there is no job "
            "file for a relative path to start from)"
        )
    roots.check(path, uri, field_path)
    return path


def existing(
    uri: str, field_path: str, base_dir: Path, what: str, roots: Roots | None = None
) -> Path:
    """`resolve`, for something that must be there already (an S3 prefix: a name it starts)."""
    path = resolve(uri, field_path, base_dir, roots)
    if not path.exists() and not any(path.parent.glob(glob.escape(path.name) + "*")):
        raise ValidationError(
            f"Value '{uri}' at '{field_path}' failed to satisfy constraint: {what} "
            f"'{path}' does not exist"
        )
    return path


def channels(
    definition: HyperParameterTrainingJobDefinition,
    path: str,
    base_dir: Path,
    roots: Roots | None = None,
) -> tuple[Channel, ...]:
    """The definition's input channels with their data found on this machine (with `roots`,
    a manifest's files too must lie under them)."""
    found = []
    for i, channel in enumerate(definition.input_data_config or []):
        field_path = f"{path}.InputDataConfig.{i}.DataSource.S3DataSource.S3Uri"
        s3 = channel.data_source.s3_data_source
        if s3 is None:
            raise ValidationError(
                f"Value at '{path}.InputDataConfig.{i}.DataSource' failed to satisfy constraint: "
                "trimtab supports S3DataSource channels only (FileSystemDataSource and "
                "DatasetSource are not supported yet)"
            )
        source = existing(
            s3.s3_uri,
            field_path,
            base_dir,
            f"the data of channel '{channel.channel_name}',",
            roots,
        )
        found.append(
            Channel(
                name=channel.channel_name,
                source=str(source),
                content_type=channel.content_type,
                input_mode=str(
                    channel.input_mode or definition.algorithm_specification.training_input_mode
                ),
                s3_data_type=str(s3.s3_data_type),
                distribution_type=str(s3.s3_data_distribution_type or "FullyReplicated"),
                record_wrapper_type=str(channel.record_wrapper_type or "None"),
                compression_type=str(channel.compression_type or "None"),
            )
        )
        if roots is not None and found[-1].s3_data_type == "ManifestFile":
            for _, target in manifest_entries(found[-1], source):
                roots.check(target, s3.s3_uri, f"{field_path} (a file its manifest lists)")
    return tuple(found)


def code_dir(
    static: Mapping[str, str], path: str, base_dir: Path, roots: Roots | None = None
) -> str:
    """The resolved `sagemaker_submit_directory`, checked to hold `sagemaker_program`."""
    program = static.get(PROGRAM)
    submit = static.get(SUBMIT_DIRECTORY)
    field_path = f"{path}.StaticHyperParameters.{SUBMIT_DIRECTORY}"
    if program is None:
        raise ValidationError(
            f"Value null at '{path}.StaticHyperParameters.{PROGRAM}' failed to satisfy "
            f"constraint: a script-mode training job needs {PROGRAM} (the entry point) "
            f"and {SUBMIT_DIRECTORY} (a folder or .tar.gz holding it)"
        )
    if submit is None:
        raise ValidationError(
            f"Value null at '{field_path}' failed to satisfy constraint: name the folder or "
            f".tar.gz holding the entry point {decode_text(program)!r}"
        )
    code = existing(decode_text(submit), field_path, base_dir, "the training code", roots)
    entry = decode_text(program)
    if "\x00" in entry or not entry:
        raise ValidationError(
            f"Value {program!r} at '{path}.StaticHyperParameters.{PROGRAM}' failed to satisfy "
            "constraint: must name a file, without a NUL character"
        )
    if code.is_dir():
        found = (code / entry).is_file()
    else:
        try:
            with tarfile.open(code) as archive:
                found = any(n.removeprefix("./") == entry for n in archive.getnames())
        except (tarfile.TarError, OSError) as error:
            raise ValidationError(
                f"Value '{submit}' at '{field_path}' failed to satisfy constraint: must be a "
                f"folder or a readable .tar.gz ({error})"
            ) from None
    if not found:
        raise ValidationError(
            f"Value '{program}' at '{path}.StaticHyperParameters.{PROGRAM}' failed to "
            f"satisfy constraint: the entry point '{entry}' is not in '{code}'"
        )
    return str(code)


def output_path(
    definition: HyperParameterTrainingJobDefinition,
    path: str,
    base_dir: Path,
    roots: Roots | None = None,
) -> str:
    """Where `<training job>/output/model.tar.gz` goes: the resolved S3OutputPath."""
    uri = definition.output_data_config.s3_output_path
    return str(resolve(uri, f"{path}.OutputDataConfig.S3OutputPath", base_dir, roots))


def checkpoint_dir(
    definition: HyperParameterTrainingJobDefinition,
    path: str,
    base_dir: Path,
    roots: Roots | None = None,
) -> str | None:
    """The folder that CheckpointConfig.S3Uri names, kept in sync with each job's checkpoints."""
    checkpoint = definition.checkpoint_config
    if checkpoint is None:
        return None
    return str(resolve(checkpoint.s3_uri, f"{path}.CheckpointConfig.S3Uri", base_dir, roots))
