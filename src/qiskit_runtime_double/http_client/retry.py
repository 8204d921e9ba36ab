"""What an answer's status means for trying again, and how long to wait: one definition each.

The bottom of the client's HTTP layer: the client (``client.py``), safe submission
(``submission.py``) and the error table (``error_table.py``) all import it, and it imports none of
them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..wire.http import HttpResponse

__all__ = ["AMBIGUOUS_STATUSES", "DECLINED_STATUSES", "RETRY_STATUSES", "RetryPolicy"]

#: Answers that leave open whether the request was handled: for a job submission, whether the
#: job was created (a server or gateway failed, maybe after the service acted).
AMBIGUOUS_STATUSES: Final = frozenset({500, 502, 504, 520, 521, 522, 523, 524})
#: Answers after which the service certainly did not handle the request (throttled, in
#: maintenance): resent after the back-off, even a job submission.
DECLINED_STATUSES: Final = frozenset({429, 503})
#: Statuses worth retrying: transient server or gateway failures and throttling. A job submission
#: answered with an ambiguous one is looked up before it is resent (``submission.py``).
RETRY_STATUSES: Final = AMBIGUOUS_STATUSES | DECLINED_STATUSES


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: ``backoff * 2**attempt`` seconds, capped; or the Retry-After.

    ``retries`` is how many times a request is sent again after the first; ``lookup_delay`` is the
    least wait before looking up a job submission whose outcome was lost (job lists can lag a
    moment behind creation; see ``http_client/submission.py``).
    """

    retries: int = 5
    backoff: float = 0.5
    max_wait: float = 30.0
    lookup_delay: float = 1.0

    def wait(self, attempt: int, response: HttpResponse | None) -> float:
        if response is not None and "Retry-After" in response.headers:
            try:
                return min(max(float(response.headers["Retry-After"]), 0.0), self.max_wait)
            except ValueError:
                pass  # an HTTP-date Retry-After: fall back to our own back-off
        return float(min(self.backoff * 2**attempt, self.max_wait))
