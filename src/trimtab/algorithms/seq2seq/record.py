"""SageMaker's protobuf `aialgs.data.Record`, the payload of every `.rec` record.

The message types are built at run time from a descriptor (no generated code, no protoc), in
a private descriptor pool so they never clash with another copy of the schema a program may
load. Seq2Seq puts the source token ids in `features["source"].int32_tensor.values` and the
target ids in `features["target"]`. Serialization is deterministic (map keys sorted), which
gives the bytes of formats.md §3's wire example.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from google.protobuf import (  # type: ignore[import-untyped]
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

from trimtab.algorithms import _recordio

PACKAGE = "aialgs.data"
_F = descriptor_pb2.FieldDescriptorProto


def _schema() -> Any:
    """`record.proto` (proto2) as a FileDescriptorProto, field for field."""
    schema = descriptor_pb2.FileDescriptorProto(
        name="trimtab/seq2seq/record.proto", package=PACKAGE, syntax="proto2"
    )
    schema.options.java_package = "com.amazonaws.aialgorithms.proto"
    schema.options.java_outer_classname = "RecordProtos"
    packed = descriptor_pb2.FieldOptions(packed=True)
    for name, kind in (
        ("Float32Tensor", _F.TYPE_FLOAT),
        ("Float64Tensor", _F.TYPE_DOUBLE),
        ("Int32Tensor", _F.TYPE_INT32),
    ):
        tensor = schema.message_type.add(name=name)
        for number, (field, field_type) in enumerate(
            (("values", kind), ("keys", _F.TYPE_UINT64), ("shape", _F.TYPE_UINT64)), start=1
        ):
            tensor.field.add(
                name=field, number=number, label=_F.LABEL_REPEATED, type=field_type, options=packed
            )
    raw = schema.message_type.add(name="Bytes")
    raw.field.add(name="value", number=1, label=_F.LABEL_REPEATED, type=_F.TYPE_BYTES)
    raw.field.add(name="content_type", number=2, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
    value = schema.message_type.add(name="Value")
    value.oneof_decl.add(name="value")
    for name, number, type_name in (
        ("float32_tensor", 2, "Float32Tensor"),
        ("float64_tensor", 3, "Float64Tensor"),
        ("int32_tensor", 7, "Int32Tensor"),
        ("bytes", 9, "Bytes"),
    ):
        value.field.add(
            name=name,
            number=number,
            label=_F.LABEL_OPTIONAL,
            type=_F.TYPE_MESSAGE,
            type_name=f".{PACKAGE}.{type_name}",
            oneof_index=0,
        )
    record = schema.message_type.add(name="Record")
    for name, number, entry in ((("features", 1, "FeaturesEntry")), ("label", 2, "LabelEntry")):
        nested = record.nested_type.add(name=entry)
        nested.options.map_entry = True
        nested.field.add(name="key", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
        nested.field.add(
            name="value",
            number=2,
            label=_F.LABEL_OPTIONAL,
            type=_F.TYPE_MESSAGE,
            type_name=f".{PACKAGE}.Value",
        )
        record.field.add(
            name=name,
            number=number,
            label=_F.LABEL_REPEATED,
            type=_F.TYPE_MESSAGE,
            type_name=f".{PACKAGE}.Record.{entry}",
        )
    for name, number in (("uid", 3), ("metadata", 4), ("configuration", 5)):
        record.field.add(name=name, number=number, label=_F.LABEL_OPTIONAL, type=_F.TYPE_STRING)
    return schema


@functools.cache
def record_class() -> Any:
    """The `aialgs.data.Record` message class."""
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_schema())
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.Record"))


def encode_pair(source: Sequence[int], target: Sequence[int]) -> bytes:
    """One sentence pair as a serialized Record (an empty target is present, with no values)."""
    record = record_class()()
    for key, ids in (("source", source), ("target", target)):
        tensor = record.features[key].int32_tensor
        tensor.SetInParent()
        tensor.values.extend(int(i) for i in ids)
    payload: bytes = record.SerializeToString(deterministic=True)
    return payload


class RecordError(ValueError):
    """A payload that is not a Seq2Seq Record; the message names what is wrong."""


def decode_pair(payload: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(source ids, target ids) of a serialized Record, as int32 arrays."""
    record = record_class()()
    try:
        record.ParseFromString(payload)
    except DecodeError as error:
        raise RecordError(f"not a protobuf Record ({error})") from None
    pair = []
    for key in ("source", "target"):
        if key not in record.features:
            raise RecordError(f"the record has no '{key}' feature")
        value = record.features[key]
        if value.WhichOneof("value") != "int32_tensor":
            raise RecordError(f"the '{key}' feature is not an int32 tensor")
        pair.append(np.array(value.int32_tensor.values, dtype=np.int32))
    return pair[0], pair[1]


def read_pairs(data: bytes) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every (source, target) pair of a `.rec` file's bytes."""
    for _, payload in _recordio.iter_records(data):
        yield decode_pair(payload)


def encode_pairs(pairs: Iterable[tuple[Sequence[int], Sequence[int]]]) -> bytes:
    """A whole `.rec` file's bytes for these pairs."""
    return b"".join(_recordio.encode(encode_pair(s, t)) for s, t in pairs)
