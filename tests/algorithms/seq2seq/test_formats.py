"""The data formats, byte for byte as formats.md describes them: RecordIO framing, the
protobuf Record, the vocabulary JSON, and `prepare` writing all three channels."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.algorithms.seq2seq.helpers import reversed_digits, write_text
from trimtab.algorithms import _recordio as recordio
from trimtab.algorithms.errors import ClientError
from trimtab.algorithms.seq2seq.data import read_corpus
from trimtab.algorithms.seq2seq.prepare import VocabularyOptions, prepare
from trimtab.algorithms.seq2seq.record import (
    RecordError,
    decode_pair,
    encode_pair,
    encode_pairs,
    read_pairs,
)
from trimtab.algorithms.seq2seq.vocab import Vocabulary


def words(hex_words: str) -> bytes:
    return bytes.fromhex(hex_words.replace(" ", ""))


# formats.md §2: every vector is byte-identical to MXNet 1.9.1's writer.
FRAMING_VECTORS = [
    ("61626364656667", "0a23d7ce 07000000 61626364 65666700"),
    ("", "0a23d7ce 00000000"),
    (
        "41414141 0a23d7ce 424242424242",
        "0a23d7ce 04000020 41414141 0a23d7ce 06000060 42424242 42420000",
    ),
    ("0a23d7ce 7879", "0a23d7ce 00000020 0a23d7ce 02000060 78790000"),
    ("6162 0a23d7ce 6364", "0a23d7ce 08000000 61620a23 d7ce6364"),
]


@pytest.mark.parametrize(("payload", "frames"), FRAMING_VECTORS)
def test_recordio_frames_match_mxnet(payload: str, frames: str) -> None:
    assert recordio.encode(words(payload)) == words(frames)
    assert [p for _, p in recordio.iter_records(words(frames))] == [words(payload)]


@given(st.lists(st.lists(st.sampled_from([b"\x0a\x23\xd7\xce", b"ab", b"c", b"wxyz"]))))
def test_recordio_round_trip(records: list[list[bytes]]) -> None:
    payloads = [b"".join(parts) for parts in records]
    stream = io.BytesIO()
    offsets = recordio.write_records(stream, payloads)
    assert len(offsets) == len(payloads)
    assert len(stream.getvalue()) % 4 == 0
    assert list(recordio.iter_records(stream.getvalue())) == list(
        zip(offsets, payloads, strict=True)
    )


def test_a_whole_frame_holding_the_magic_is_read_as_is() -> None:
    """The example's own writer never splits; its frames must still be read."""
    payload = words("0a23d7ce 0a23d7ce")
    assert [p for _, p in recordio.iter_records(words("0a23d7ce 08000000") + payload)] == [payload]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("0a23d7ce 07", "truncated frame header at byte 0"),
        ("0a23d7ce 07000000 6162", "truncated frame at byte 0: 7 bytes announced"),
        ("0b23d7ce 00000000", "bad magic word 0xced7230b at byte 0"),
        ("0a23d7ce 00000040", "unexpected frame flag 2 at byte 0"),
        ("0a23d7ce 00000020", "the stream ends inside a split record"),
    ],
)
def test_malformed_recordio_is_refused(data: str, message: str) -> None:
    with pytest.raises(recordio.RecordIOError, match=message):
        list(recordio.iter_records(words(data)))


# formats.md §3: the record with source [4, 5, 300, 0] and target [7, 1].
WIRE_EXAMPLE = (
    "0a13 0a06736f75726365 1209 3a07 0a05 0405ac0200 0a10 0a06746172676574 1206 3a04 0a02 0701"
)


def test_record_bytes_match_the_wire_example() -> None:
    assert encode_pair([4, 5, 300, 0], [7, 1]) == words(WIRE_EXAMPLE)
    source, target = decode_pair(words(WIRE_EXAMPLE))
    assert source.tolist() == [4, 5, 300, 0] and target.tolist() == [7, 1]


def test_an_empty_target_is_present_without_values() -> None:
    assert encode_pair([4], []).endswith(words("0a0c 0a06746172676574 1202 3a00"))
    assert decode_pair(encode_pair([4], []))[1].tolist() == []


def test_records_read_unpacked_values_and_skip_unknown_fields() -> None:
    """Target first, its values unpacked (`08 <varint>` each), and an unknown field 9."""
    target_entry = "0a0e 0a06746172676574 1204 3a02 0807"
    source_entry = "0a0f 0a06736f75726365 1205 3a03 0a0105"
    source, target = decode_pair(words(target_entry + source_entry + "4a03 616263"))
    assert target.tolist() == [7] and source.tolist() == [5]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("0a0c 0a06746172676574 1202 3a00", "no 'source' feature"),
        ("0a0c 0a06736f75726365 1202 1200", "'source' feature is not an int32 tensor"),
        ("ff", "not a protobuf Record"),
    ],
)
def test_payloads_that_are_not_seq2seq_records_are_refused(payload: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        decode_pair(words(payload))


def test_rec_files_round_trip() -> None:
    pairs = [([4, 5], [6]), ([0x0A, 0x23, 0xD7], [7, 8, 9]), ([2**31 - 1], [])]
    read = [(s.tolist(), t.tolist()) for s, t in read_pairs(encode_pairs(pairs))]
    assert read == [(list(s), list(t)) for s, t in pairs]


def test_vocabulary_orders_by_frequency_then_token_descending() -> None:
    vocab = Vocabulary.build([["b", "a", "c", "<s>"], ["a", "b", "d"], ["a"]])
    assert dict(vocab.ids) == {
        "<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "a": 4, "b": 5, "d": 6, "c": 7,
    }  # fmt: skip
    assert vocab.encode(["a", "zzz"]) == [4, 1]
    assert vocab.decode([2, 4, 1, 5, 3, 6]) == ["a", "<unk>", "b"]
    assert len(Vocabulary.build([["a", "a", "b"]], num_words=1, min_count=2)) == 5


def test_vocabulary_json_is_written_as_sagemaker_writes_it(tmp_path: Path) -> None:
    vocab = Vocabulary.build([["größe", "x"]])
    vocab.write(tmp_path / "v.json")
    text = (tmp_path / "v.json").read_text(encoding="utf-8")
    assert text.startswith('{\n    "<pad>": 0,\n') and '"größe": ' in text
    assert Vocabulary.read(tmp_path / "v.json") == vocab


def test_any_json_object_with_the_special_ids_is_a_vocabulary(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text('{"</s>": 3, "x": 9, "<s>": 2, "<unk>": 1, "<pad>": 0}')
    vocab = Vocabulary.read(path)
    assert len(vocab) == 10 and vocab.decode([9, 5]) == ["x", "<unk>"]
    path.write_text('{"<pad>": 0, "<unk>": 1, "<s>": 3, "</s>": 2}')
    with pytest.raises(ClientError, match="'<s>' must have id 2"):
        Vocabulary.read(path)
    path.write_text("[1, 2]")
    with pytest.raises(ClientError, match="a vocabulary is a JSON object"):
        Vocabulary.read(path)


def test_prepare_writes_the_three_channels(tmp_path: Path) -> None:
    pairs = [*reversed_digits(30, 1), ("  ", "1"), ("one", "")]
    train = write_text(tmp_path / "text", "train", pairs)
    validation = write_text(tmp_path / "text", "val", [("one two nine ten", "1 2 9")])
    counts = prepare(train, validation, tmp_path / "out", VocabularyOptions(single_vocab=True))
    assert counts["train pairs"] == 30 and counts["skipped (an empty side)"] == 2
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "train/train.rec",
        "validation/val.rec",
        "vocab/vocab.src.json",
        "vocab/vocab.trg.json",
    ]
    source = json.loads((out / "vocab" / "vocab.src.json").read_text())
    assert source == json.loads((out / "vocab" / "vocab.trg.json").read_text())  # single vocab
    corpus = read_corpus(out / "validation", "validation", len(source), len(source))
    assert corpus.sources[0].tolist() == [source["one"], source["two"], source["nine"], 1]
    assert corpus.targets[0].tolist() == [source["1"], source["2"], source["9"]]
    assert corpus.sources[0].dtype == np.int32


def test_prepare_refuses_files_that_are_not_parallel(tmp_path: Path) -> None:
    source, target = write_text(tmp_path, "t", [("a", "b")])
    target.write_text("b\nc\n")
    with pytest.raises(ClientError, match=r"has 1 lines but .* has 2"):
        prepare((source, target), (source, source), tmp_path / "out")
