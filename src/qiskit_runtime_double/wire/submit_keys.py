"""The idempotency tags job submissions carry (``qrd-submit-<hex>``), recognised on the wire.

The client adds one to every ``POST /jobs`` (``http_client/submission.py`` says how); the
cassette layer must recognise them too, because a key is random: a replayed submission carries a
different one than the recorded submission did, and must still match it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Final

from .http import HttpRequest

__all__ = ["KEY_PREFIX", "is_submit_key", "submit_keys_of", "without_submit_keys"]

KEY_PREFIX: Final = "qrd-submit-"


def is_submit_key(tag: object) -> bool:
    return isinstance(tag, str) and tag.startswith(KEY_PREFIX)


def without_submit_keys(tags: Iterable[Any]) -> list[Any]:
    """``tags`` without idempotency keys, in order."""
    return [tag for tag in tags if not is_submit_key(tag)]


def submit_keys_of(request: HttpRequest) -> list[str]:
    """The keys ``request`` carries: in its query's ``tags`` (a lookup), then its body's
    ``tags`` (a submission), in order."""
    found = [tag for tag in request.query.get("tags", []) if is_submit_key(tag)]
    if KEY_PREFIX.encode() in request.content:
        try:
            body = json.loads(request.content)
        except ValueError:
            return found
        tags = body.get("tags") if isinstance(body, dict) else None
        if isinstance(tags, list):
            found += [tag for tag in tags if is_submit_key(tag)]
    return found
