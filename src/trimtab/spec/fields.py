"""Reusable member types: the SageMaker service model's string, number and list constraints.

Each alias is one shape of the model (its min/max length, pattern or numeric range), strict as
botocore is: a JSON number is not a string, "3" is not an integer, 1 is not a boolean. Patterns are
matched against the whole value, as the service's Java `String.matches` does. The messages are the
service's own wording (`Member must satisfy regular expression pattern: ...`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AllowInfNan, Field, Strict
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def _full_match(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex, re.ASCII)
    return lambda value: compiled.fullmatch(value) is not None


def pattern(regex: str, test: Callable[[str], bool] | None = None) -> AfterValidator:
    """A validator requiring the whole value to match `regex` (or `test`, where Python's `re`
    cannot express the model's pattern); the message quotes `regex` as the model writes it."""
    matches = test if test is not None else _full_match(regex)

    def check(value: str) -> str:
        if not matches(value):
            raise PydanticCustomError(
                "pattern",
                "Member must satisfy regular expression pattern: {pattern}",
                {"pattern": regex},
            )
        return value

    return AfterValidator(check)


def _is_tag_text(value: str) -> bool:
    # `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`: letters, separators and numbers of any script.
    return all(unicodedata.category(c)[0] in "LZN" or c in "_.:/=+-@" for c in value)


_S3_URI = re.compile(r"(https|s3)://([^/]+)/?(.*)")
_S3_URI_RULE = (
    r"Member must satisfy regular expression pattern: (https|s3)://([^/]+)/?(.*) "
    "(trimtab also accepts a file:// URI or a local path)"
)


def _check_location(value: str) -> str:
    """The model's S3Uri pattern, widened to the local locations trimtab reads and writes."""
    if "://" in value:
        ok = _S3_URI.fullmatch(value) is not None or (
            value.startswith("file://") and len(value) > len("file://")
        )
    else:
        ok = value != "" and "\n" not in value
    if not ok:
        raise PydanticCustomError("pattern", _S3_URI_RULE)
    return value


# -- scalars ---------------------------------------------------------------------------------

WireStr = Annotated[str, Strict()]
WireInt = Annotated[int, Strict()]
WireBool = Annotated[bool, Strict()]
WireFloat = Annotated[float, Strict(), AllowInfNan(False)]

Count = Annotated[WireInt, Field(ge=0)]  # instance counts, volume sizes, seeds
PositiveInt = Annotated[WireInt, Field(ge=1)]  # job counts, durations in seconds

# -- strings, named after the model's shapes -------------------------------------------------

AnyLine = pattern(".*")  # the model's `.*`: any text without a line break
NonEmptyLine = pattern(".+")

HyperParameterTuningJobName = Annotated[
    WireStr, Field(min_length=1, max_length=32), pattern("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
]
DefinitionName = Annotated[
    WireStr, Field(min_length=1, max_length=64), pattern("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}")
]
MetricName = Annotated[WireStr, Field(min_length=1, max_length=255), NonEmptyLine]
MetricRegex = Annotated[WireStr, Field(min_length=1, max_length=500), NonEmptyLine]
ParameterKey = Annotated[WireStr, Field(max_length=256), AnyLine]
ParameterValue = Annotated[WireStr, Field(max_length=256), AnyLine]
HyperParameterKey = Annotated[WireStr, Field(max_length=256), AnyLine]
HyperParameterValue = Annotated[WireStr, Field(max_length=2500), AnyLine]
AlgorithmImage = Annotated[WireStr, Field(max_length=255), AnyLine]
ArnOrName = Annotated[
    WireStr,
    Field(min_length=1, max_length=170),
    pattern(
        r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?"
        r"([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)"
    ),
]
RoleArn = Annotated[
    WireStr,
    Field(min_length=20, max_length=2048),
    pattern(r"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"),
]
ChannelName = Annotated[WireStr, Field(min_length=1, max_length=64), pattern(r"[A-Za-z0-9\.\-_]+")]
S3Uri = Annotated[WireStr, Field(max_length=1024), AfterValidator(_check_location)]
AttributeName = Annotated[WireStr, Field(min_length=1, max_length=256), NonEmptyLine]
InstanceGroupName = Annotated[WireStr, Field(min_length=1, max_length=64), NonEmptyLine]
HubContentArn = Annotated[WireStr, Field(max_length=255), AnyLine]
FileSystemId = Annotated[WireStr, Field(min_length=11, max_length=21), pattern("(fs-[0-9a-f]{8,})")]
DirectoryPath = Annotated[WireStr, Field(max_length=4096), AnyLine]
HubDataSetArn = Annotated[
    WireStr,
    Field(max_length=2048),
    pattern(
        r"(arn:[a-z0-9-\.]{1,63}:sagemaker:\w+(?:-\w+)+:(\d{12}|aws):hub-content\/)"
        r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/DataSet\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}"
        r"(\/\d{1,4}.\d{1,4}.\d{1,4})?"
    ),
]
ContentType = Annotated[WireStr, Field(max_length=256), AnyLine]
VpcId = Annotated[WireStr, Field(max_length=32), pattern("[-0-9a-zA-Z]+")]  # groups, subnets
KmsKeyId = Annotated[WireStr, Field(max_length=2048), pattern("[a-zA-Z0-9:/_-]*")]
TrainingPlanArn = Annotated[
    WireStr,
    Field(min_length=50, max_length=2048),
    pattern(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:training-plan/.*"),
]
String256 = Annotated[WireStr, Field(max_length=256)]
EnvironmentKey = Annotated[WireStr, Field(max_length=512), pattern("[a-zA-Z_][a-zA-Z0-9_]*")]
EnvironmentValue = Annotated[WireStr, Field(max_length=512), pattern(r"[\S\s]*")]
_TAG_PATTERN = r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"
TagKey = Annotated[
    WireStr, Field(min_length=1, max_length=128), pattern(_TAG_PATTERN, _is_tag_text)
]
TagValue = Annotated[WireStr, Field(max_length=256), pattern(_TAG_PATTERN, _is_tag_text)]

# -- lists -----------------------------------------------------------------------------------

RangeList = Annotated[list[T], Field(max_length=30)]  # each of the three ParameterRanges lists
