"""What a simulated service tells a client waiting on it: the optional ``probe`` of a transport.

A clock is about time (``clock.py``); questions about jobs go to the probe. The fake's transport
carries one (its simulation); live HTTP and cassettes have none. Waiters
(``RuntimeJob.wait_for_final_state``) use it to move the clock straight to the simulation's next
event and to fail at once on a job nothing will ever move.
"""

from __future__ import annotations

import datetime as _dt
from typing import Protocol, runtime_checkable

__all__ = ["SimulationProbe", "probe_of"]


@runtime_checkable
class SimulationProbe(Protocol):
    """What a simulated service tells a client waiting on it (optional, as a transport's
    ``probe``): the fake's, never the live service's or a cassette's.

    ``next_event_time()`` is when the simulation next changes anything by itself (a job starting
    or ending, a session expiring; None when nothing is scheduled), so a waiting client moves its
    clock there instead of polling blindly. ``stall_reason(job_id)`` is None while the job can
    still progress, else why it never will (queued on a backend that is offline, with nothing
    scheduled that would bring it back), so a waiter fails at once instead of moving time
    forever. The clock stays about time: it knows nothing of jobs.
    """

    def next_event_time(self) -> _dt.datetime | None: ...

    def stall_reason(self, job_id: str) -> str | None: ...


def probe_of(transport: object) -> SimulationProbe | None:
    """``transport.probe`` when it has one that is a ``SimulationProbe``, else None."""
    probe = getattr(transport, "probe", None)
    return probe if isinstance(probe, SimulationProbe) else None
