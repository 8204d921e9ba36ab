"""Answers for endpoints that older releases of the official client call and the fake does not
serve (it serves today's API), so that ``mock_runtime`` works with every release since 0.2x.

Each is small and says which releases call it and what they read of the answer:

- ``GET /instance``: 0.2x-0.4x, on the ``ibm_cloud`` channel, at start-up
  (``is_qctrl_enabled``); only ``qctrl_enabled`` is read. The fake's instances have no Q-CTRL.
"""

from __future__ import annotations

from ..wire.http import HttpRequest, HttpResponse
from .hosts import RUNTIME_PREFIX

__all__ = ["older_answer"]


def older_answer(request: HttpRequest) -> HttpResponse | None:
    """The answer to ``request`` (already on the fake's paths) if it is one of those above."""
    if request.method.upper() == "GET" and request.path.rstrip("/") == RUNTIME_PREFIX + "/instance":
        return HttpResponse.from_json(200, {"qctrl_enabled": False})
    return None
