"""RecordIO frames, im2rec image records, .lst files and augmented manifests, byte for byte."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.algorithms import _recordio
from trimtab.algorithms.image_classification import recordio
from trimtab.algorithms.image_classification.lst import (
    ListEntry,
    ListFormatError,
    parse_lines,
    read_list,
    write_list,
)
from trimtab.algorithms.image_classification.manifest import ManifestError, read_manifest
from trimtab.algorithms.image_classification.recordio import ImageRecord, RecordIOError

# formats.md §2: each identical to MXNet 1.9.1's writer
FRAME_VECTORS = [
    ("61626364656667", "0a23d7ce 07000000 61626364 65666700"),
    ("", "0a23d7ce 00000000"),
    (
        "414141410a23d7ce424242424242",
        "0a23d7ce 04000020 41414141 0a23d7ce 06000060 42424242 42420000",
    ),
    ("0a23d7ce7879", "0a23d7ce 00000020 0a23d7ce 02000060 78790000"),
    ("61620a23d7ce6364", "0a23d7ce 08000000 61620a23 d7ce6364"),
]


@pytest.mark.parametrize(("payload", "frames"), FRAME_VECTORS)
def test_frames_match_mxnet(payload: str, frames: str) -> None:
    encoded = _recordio.encode(bytes.fromhex(payload))
    assert encoded.hex() == frames.replace(" ", "")
    assert [p for _, p in recordio.iter_records(encoded)] == [bytes.fromhex(payload)]


MAGIC = bytes.fromhex("0a23d7ce")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from([b"a", b"bc", MAGIC, b"\0"]), max_size=12).map(b"".join),
        max_size=5,
    )
)
def test_records_round_trip_whatever_magic_they_hold(payloads: list[bytes]) -> None:
    file = io.BytesIO()
    offsets = _recordio.write_records(file, payloads)
    data = file.getvalue()
    assert len(data) % 4 == 0
    assert list(recordio.iter_records(data)) == list(zip(offsets, payloads, strict=True))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes.fromhex("0a23d7ce 0700"), "truncated frame header"),
        (bytes.fromhex("0a23d7ce 07000000 6162"), "truncated record"),
        (bytes.fromhex("00000000 00000000"), "no RecordIO magic"),
        (bytes.fromhex("0a23d7ce 04000020 41414141"), "ends inside a split record"),
    ],
)
def test_damaged_files_are_errors(data: bytes, message: str) -> None:
    with pytest.raises(RecordIOError, match=message):
        list(recordio.iter_records(data))


def test_image_headers_match_formats_md() -> None:
    single = ImageRecord((3.0,), 17, b"IMG").pack()
    assert single.hex() == "000000000000404011000000000000000000000000000000494d47"
    multi = ImageRecord((1.0, 0.0, 2.0), 17, b"IMG").pack()
    assert multi.hex() == (
        "0300000000000000110000000000000000000000000000000000803f0000000000000040494d47"
    )
    assert ImageRecord.unpack(single) == ImageRecord((3.0,), 17, b"IMG")
    assert ImageRecord.unpack(multi) == ImageRecord((1.0, 0.0, 2.0), 17, b"IMG")
    with pytest.raises(RecordIOError, match="announces 3 labels"):
        ImageRecord.unpack(multi[:30])


def test_an_index_file_lists_keys_and_offsets(tmp_path: Path) -> None:
    recordio.write_index(tmp_path / "a.idx", [5, 9], [0, 24])
    assert (tmp_path / "a.idx").read_text() == "5\t0\n9\t24\n"


def test_lst_lines_are_written_as_im2rec_writes_them(tmp_path: Path) -> None:
    entries = [
        ListEntry(159, (3.0,), "class_3/img_00159.png"),
        ListEntry(2, (1.0, 0.0, 1.0), "a b.jpg"),
    ]
    write_list(tmp_path / "x.lst", entries)
    assert (tmp_path / "x.lst").read_text() == (
        "159\t3.000000\tclass_3/img_00159.png\n2\t1.000000\t0.000000\t1.000000\ta b.jpg\n"
    )
    assert read_list(tmp_path / "x.lst") == entries


def test_lst_reading_follows_im2rec() -> None:
    text = ["7 \t 3 \t cat/1.jpg \n", "short\tline\n", "\n", "8\t1\t0\tdog/2.png\r\n"]
    assert parse_lines(text) == [
        ListEntry(7, (3.0,), "cat/1.jpg"),
        ListEntry(8, (1.0, 0.0), "dog/2.png"),
    ]
    with pytest.raises(ListFormatError, match="line 2: index 7 is not unique"):
        parse_lines(["7\t1\ta.jpg", "7\t2\tb.jpg"])
    with pytest.raises(ListFormatError, match="line 1: expected 'index<TAB>label<TAB>path'"):
        parse_lines(["x\t1\ta.jpg"])


def test_augmented_manifests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIMTAB_S3_ROOT", str(tmp_path / "s3"))
    lines = [
        {"source-ref": "s3://bucket/a.png", "class": "3", "class-metadata": {"x": 1}},
        {"source-ref": "images/b.png", "labels": [1, 0, 1]},
        {"source-ref": "file:///data/c.png", "class": "[0, 2]"},
    ]
    manifest = tmp_path / "train.manifest"
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    entries = read_manifest(manifest)
    assert [e.image for e in entries] == [
        tmp_path / "s3" / "bucket" / "a.png",
        tmp_path / "images" / "b.png",
        Path("/data/c.png"),
    ]
    assert [e.labels for e in entries] == [(3.0,), (1.0, 0.0, 1.0), (0.0, 2.0)]
    manifest.write_text('{"class": "1"}\n')
    with pytest.raises(ManifestError, match=r"train\.manifest, line 1: needs an image attribute"):
        read_manifest(manifest)
