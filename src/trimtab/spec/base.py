"""The base of every SageMaker shape: wire names, strict members, and one way back to JSON.

Python attributes are `to_snake(MemberName)`; aliases are the exact SageMaker member names, so a
request body validates as it is and `to_wire` gives back what the store keeps and Describe echoes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_pascal

# Member names whose acronym `to_pascal` cannot guess from the snake_case attribute name.
_WIRE_SPELLINGS = {"VolumeSizeInGb": "VolumeSizeInGB"}


def wire_name(attribute: str) -> str:
    """The member name of an attribute: `s3_uri` -> `S3Uri`, `volume_size_in_gb` -> `...GB`."""
    pascal = to_pascal(attribute)
    return _WIRE_SPELLINGS.get(pascal, pascal)


class WireModel(BaseModel):
    """A SageMaker structure: unknown members are errors, a JSON null is an omitted member."""

    model_config = ConfigDict(
        alias_generator=wire_name,
        populate_by_name=True,
        extra="forbid",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_omitted(cls, data: Any) -> Any:
        # The SageMaker JSON protocol treats `"Member": null` as an absent member.
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data

    def to_wire(self) -> dict[str, Any]:
        """The JSON object SageMaker would send: member names, no omitted (None) members."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


def to_wire(model: WireModel) -> dict[str, Any]:
    """Function form of `WireModel.to_wire`, for `map(to_wire, ...)`."""
    return model.to_wire()


def checked(shape: type[WireModel], wire: Mapping[str, Any]) -> dict[str, Any]:
    """A response built as a dict, its empty (None) members dropped and validated against its
    shape, so that what trimtab sends is always what the model allows."""
    return shape.model_validate({k: v for k, v in wire.items() if v is not None}).to_wire()
