"""Where a request's locations are on this machine: paths, file:// and s3:// URIs, channels,
code, outputs, each refused by field when it is not there."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.jobs import make_request
from trimtab import locations
from trimtab.errors import ValidationError
from trimtab.spec import HyperParameterTrainingJobDefinition, parse_request

PATH = "TrainingJobDefinition"


def definition(**changes: Any) -> HyperParameterTrainingJobDefinition:
    request = make_request(**changes)
    parsed = parse_request(request).training_job_definition
    assert parsed is not None
    return parsed


def with_channel(uri: str) -> HyperParameterTrainingJobDefinition:
    source = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}}
    return definition(InputDataConfig=[{"ChannelName": "train", "DataSource": source}])


def test_relative_paths_resolve_against_the_job_files_folder(tmp_path: Path) -> None:
    assert locations.resolve("data/train", "F", tmp_path) == tmp_path / "data" / "train"
    assert locations.resolve("/abs/train", "F", tmp_path) == Path("/abs/train")
    assert locations.resolve("file:///abs/train", "F", tmp_path) == Path("/abs/train")
    assert locations.resolve("file://rel/train", "F", tmp_path) == tmp_path / "rel" / "train"


def test_s3_uris_are_read_under_trimtab_s3_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIMTAB_S3_ROOT", str(tmp_path / "buckets"))
    found = locations.resolve("s3://my-bucket/key/train", "F", Path("/elsewhere"))
    assert found == tmp_path / "buckets" / "my-bucket" / "key" / "train"


@pytest.mark.parametrize("uri", ["s3://my-bucket/train", "https://example.com/train"])
def test_remote_uris_without_a_local_mirror_are_refused_by_field(
    uri: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRIMTAB_S3_ROOT", raising=False)
    with pytest.raises(ValidationError, match=rf"^Value '{uri}' at 'A.B' failed to satisfy .*"):
        locations.resolve(uri, "A.B", tmp_path)


def test_an_s3_prefix_exists_when_some_object_starts_with_it(tmp_path: Path) -> None:
    (tmp_path / "train-part-0.csv").write_text("1\n")
    assert locations.existing("train-part", "F", tmp_path, "data") == tmp_path / "train-part"
    with pytest.raises(ValidationError, match=r"data '.*/test' does not exist"):
        locations.existing("test", "F", tmp_path, "data")


def test_channels_are_found_with_their_settings(tmp_path: Path) -> None:
    (tmp_path / "train").mkdir()
    (channel,) = locations.channels(with_channel("train"), PATH, tmp_path)
    assert (channel.name, channel.source) == ("train", str(tmp_path / "train"))
    assert (channel.input_mode, channel.s3_data_type, channel.distribution_type) == (
        "File",
        "S3Prefix",
        "FullyReplicated",
    )


def test_a_missing_channel_names_its_field(tmp_path: Path) -> None:
    field = f"{PATH}.InputDataConfig.0.DataSource.S3DataSource.S3Uri"
    with pytest.raises(ValidationError, match=rf"at '{field}'.*channel 'train'"):
        locations.channels(with_channel("nope"), PATH, tmp_path)


def code(program: str = '"train.py"', submit: str | None = None) -> dict[str, str]:
    static = {"sagemaker_program": program}
    if submit is not None:
        static["sagemaker_submit_directory"] = submit
    return static


def test_the_code_folder_must_hold_the_entry_point(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "train.py").write_text("")
    assert locations.code_dir(code(submit='"code"'), PATH, tmp_path) == str(tmp_path / "code")
    with pytest.raises(ValidationError, match=r"the entry point 'other\.py' is not in"):
        locations.code_dir(code('"other.py"', '"code"'), PATH, tmp_path)


def test_the_code_may_be_a_tar_gz_holding_the_entry_point(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("")
    with tarfile.open(tmp_path / "code.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "train.py", arcname="./train.py")
    assert locations.code_dir(code(submit="code.tar.gz"), PATH, tmp_path) == str(
        tmp_path / "code.tar.gz"
    )
    (tmp_path / "broken.tar.gz").write_text("not an archive")
    with pytest.raises(ValidationError, match=r"must be a folder or a readable \.tar\.gz"):
        locations.code_dir(code(submit="broken.tar.gz"), PATH, tmp_path)


def test_script_mode_needs_both_the_program_and_the_code(tmp_path: Path) -> None:
    program = f"{PATH}.StaticHyperParameters.sagemaker_program"
    with pytest.raises(ValidationError, match=rf"^Value null at '{program}'"):
        locations.code_dir({}, PATH, tmp_path)
    submit = f"{PATH}.StaticHyperParameters.sagemaker_submit_directory"
    with pytest.raises(ValidationError, match=rf"^Value null at '{submit}'.*'train.py'"):
        locations.code_dir(code(), PATH, tmp_path)


def test_outputs_and_checkpoints_resolve_without_having_to_exist(tmp_path: Path) -> None:
    spec = definition(CheckpointConfig={"S3Uri": "file://ckpt"})
    assert locations.output_path(spec, PATH, tmp_path) == str(tmp_path / "output")
    assert locations.checkpoint_dir(spec, PATH, tmp_path) == str(tmp_path / "ckpt")
    assert locations.checkpoint_dir(definition(), PATH, tmp_path) is None


def test_a_nul_or_a_glob_in_a_location_is_refused_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must not contain a NUL character"):
        locations.resolve("da\x00ta", "F", tmp_path)
    with pytest.raises(ValidationError, match=r"data '.*/data\*\*' does not exist"):
        locations.existing("data**", "F", tmp_path, "data")
    (tmp_path / "code").mkdir()
    with pytest.raises(ValidationError, match="without a NUL character"):
        locations.code_dir(code('"tr\\u0000ain.py"', '"code"'), PATH, tmp_path)
