"""`NextToken`: the offset of the next page, opaque to the caller and bound to its query.

A token says where the next page starts and which query it belongs to (a digest of the request
without its token and page size), so a token handed to another query is refused instead of
silently paging through something else. Lists change between calls (jobs start, end, appear);
an offset may then show an item twice or skip one, as SageMaker's lists may too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from trimtab.errors import ValidationError

_NOT_PART_OF_THE_QUERY = frozenset({"NextToken", "MaxResults", "nextToken", "limit"})


def _digest(body: Mapping[str, Any]) -> str:
    query = {k: v for k, v in body.items() if k not in _NOT_PART_OF_THE_QUERY}
    text = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def token(offset: int | None, body: Mapping[str, Any]) -> str | None:
    """The NextToken for the page at `offset` of this request's list (None: no more pages)."""
    if offset is None:
        return None
    raw = json.dumps({"offset": offset, "query": _digest(body)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def offset(given: str | None, body: Mapping[str, Any], member: str = "NextToken") -> int:
    """Where the page a token asks for starts (0 without one)."""
    if not given:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)))
        start, query = decoded["offset"], decoded["query"]
        valid = isinstance(start, int) and start >= 0 and query == _digest(body)
    except (ValueError, TypeError, KeyError):
        valid = False
    if not valid:
        raise ValidationError(
            f"Value '{given[:100]}' at '{member}' failed to satisfy constraint: not a token this "
            "list gave out for this request (it comes from the previous page of the same call)"
        )
    return int(start)
