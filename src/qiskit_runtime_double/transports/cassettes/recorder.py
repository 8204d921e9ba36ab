"""What a recording cassette recorded, and saving it; and recordings that were never closed.

``Recording`` holds the interactions a ``CassetteTransport`` recorded and writes them out. It is
kept apart from the transport so that a recording whose transport was never closed can still be
saved, by a finalizer that must not keep the transport alive:

- when such a transport is garbage-collected, or at interpreter exit, whichever comes first, its
  unsaved interactions are saved as ``close()`` would have saved them (every recording mode: what
  was recorded is true, and losing a live recording silently is worse than keeping a short one),
  and an ``UnclosedCassetteWarning`` names the file and says to call ``close()`` or use ``with``;
- except when the interpreter is ending on an uncaught exception (not in an interactive session):
  then they are discarded, as leaving a ``with`` block on an exception does, unless the transport
  was made with ``keep_on_failure=True``; the warning says so.

A recording that was discarded, or has nothing unsaved, is left alone, silently.

While it is open, a recording is also saved if the process gets SIGTERM, SIGHUP or SIGINT
(``signals.py``), marked ``interrupted`` in the cassette's metadata.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import platform
import sys
import threading
import warnings
import weakref
from importlib import metadata as _metadata
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from ...errors import CassetteSecretError
from ...wire.http import Headers, HttpRequest
from ..base import Transport
from . import signals
from .fileformat import CassetteData, Interaction, write_cassette
from .matching import Shape, shape_of
from .replay import collapse_repeats
from .scrub import Scrubber
from .stable import stable_identities
from .summary import backends_of, job_of

__all__ = [
    "Recording",
    "UnclosedCassetteWarning",
    "recorded_base_url",
    "recorded_from_of",
    "scrubbed_shape",
]

#: Where requests go when a cassette has no base URL of its own (plain vcrpy cassettes).
FALLBACK_BASE_URL: Final = "http://cassette.invalid/api/v1"
_VERSIONED_PACKAGES: Final = ("qiskit", "qiskit-runtime-double", "qiskit-aer", "qiskit-ibm-runtime")


class UnclosedCassetteWarning(UserWarning):
    """A recording ``CassetteTransport`` was never closed: it was saved (or discarded) when it was
    garbage-collected or at interpreter exit. A ``UserWarning``, so it shows by default."""


def scrubbed_shape(scrubber: Scrubber, request: HttpRequest, base_path: str) -> Shape:
    """The shape ``request`` matches on, taken after scrubbing: the recording holds placeholders
    where the request has secrets."""
    form = "form-urlencoded" in request.headers.get("Content-Type", "")
    scrubbed = HttpRequest(
        request.method,
        scrubber.url(request.url),
        Headers(),
        scrubber.body(request.content, "request", form=form),
    )
    return shape_of(scrubbed, base_path)


def recorded_base_url(data: CassetteData) -> str:
    if data.base_url:
        return data.base_url
    for item in data.interactions:  # a plain vcrpy cassette: guess from the first request
        parts = urlsplit(item.request.url)
        head, found, _ = parts.path.partition("/api/v1")
        return f"{parts.scheme}://{parts.netloc}{head}{found}"
    return FALLBACK_BASE_URL


#: What a cassette says it was recorded from, by the class of the transport it recorded.
_RECORDED_FROM: Final = {"InProcessTransport": "fake", "LiveTransport": "live"}


def recorded_from_of(inner: Transport) -> str:
    """``"fake"`` (in process), ``"live"`` (over HTTP: the base URL says where), or the class."""
    name = type(inner).__name__
    return _RECORDED_FROM.get(name, name)


def _key(shape: Shape) -> tuple[object, ...]:
    return (*shape.bucket, shape.digest)


class Recording:
    """The interactions recorded through ``inner`` for the cassette at ``path`` (module docs)."""

    def __init__(
        self,
        path: Path,
        mode: str,
        inner: Transport,
        scrubber: Scrubber,
        loaded: CassetteData | None,
        *,
        keep_on_failure: bool,
        recorded_from: str | None = None,
    ) -> None:
        self.path = path
        self.recorded_from = recorded_from or recorded_from_of(inner)
        self.mode = mode
        self.inner = inner
        self.scrubber = scrubber
        self.loaded = loaded
        self.keep_on_failure = keep_on_failure
        #: Re-entrant: a signal handler saves in the main thread, which may hold it already.
        self.lock = threading.RLock()
        self.interactions: list[Interaction] = []
        self.discarded = False
        self.finished = False  # closed, or handled as unclosed: nothing more to do at exit
        #: The signal that came while recording, if one did (``save``).
        self.interrupted: str | None = None
        self._unsaved = False

    def add(self, interaction: Interaction) -> None:
        with self.lock:
            self.interactions.append(interaction)
            self._unsaved = True

    def discard(self) -> None:
        with self.lock:
            self.discarded = True
            self.interactions.clear()
            self._unsaved = False

    def should_save(self) -> bool:
        """What ``close()`` asks: saving on close writes even an empty ``rewrite``."""
        if self.discarded:
            return False
        return bool(self.interactions) or self.mode == "rewrite"

    def save(self, *, interrupted: str | None = None) -> None:
        """Write the cassette now (atomically, scrubbed). ``interrupted``: a signal that came
        while recording, written in the metadata by this save and every later one (a program
        that goes on after a signal, or unwinds from Ctrl-C, may not have done all its work).

        Raises ``CassetteSecretError`` (and writes nothing) if a secret sits where scrubbing
        cannot replace it; the message says where and what to do.
        """
        with self.lock:
            interactions = self._to_save()
            base_url = self.scrubber.url(self.inner.base_url)
            base_path = urlsplit(base_url).path.rstrip("/")
            scrubbed: list[Interaction] = []
            stuck: list[str] = []
            for index, item in enumerate(interactions):
                request, response, left = self.scrubber.interaction(item.request, item.response)
                scrubbed.append(Interaction(request, response, item.recorded_at))
                job = job_of(item, base_path)
                about = f" (job {job})" if job else ""
                stuck += [f"interaction {index}{about}: {finding}" for finding in left]
            if stuck:
                raise CassetteSecretError(_not_saved_message(self.path, stuck))
            # Run-to-run noise (submit keys, parameter UUIDs) in canonical form (stable.py).
            scrubbed = stable_identities(scrubbed)
            scrubbed = collapse_repeats(
                scrubbed, [shape_of(i.request, base_path) for i in scrubbed]
            )
            metadata = {
                # On the recording's clock: simulated time for a fake (the same at every
                # re-recording of a seeded run), the wall clock for the live service.
                "recorded_at": self.inner.clock.now()
                .astimezone(_dt.timezone.utc)
                .isoformat(timespec="seconds"),
                "source": type(self.inner).__name__,
                "recorded_from": self.recorded_from,
                "base_url": base_url,
                "package_versions": _package_versions(),
                "backends": backends_of(scrubbed, base_path),
            }
            self.interrupted = interrupted or self.interrupted
            if self.interrupted is not None:
                metadata["interrupted"] = self.interrupted
            extra = self.loaded.extra if self.loaded is not None else {}
            write_cassette(self.path, CassetteData(scrubbed, metadata, dict(extra)))
            self._unsaved = False

    def _to_save(self) -> list[Interaction]:
        loaded = self.loaded.interactions if self.loaded is not None else []
        if self.mode == "new_episodes":
            return [*loaded, *self.interactions]
        if self.mode != "record" or not loaded:
            return list(self.interactions)
        # vcrpy's "all": this run's answers replace the recorded ones for the same requests.
        assert self.loaded is not None
        new_base = urlsplit(self.inner.base_url).path.rstrip("/")
        old_base = urlsplit(recorded_base_url(self.loaded)).path.rstrip("/")
        fresh = {
            _key(scrubbed_shape(self.scrubber, i.request, new_base)) for i in self.interactions
        }
        kept = [
            i
            for i in loaded
            if _key(scrubbed_shape(self.scrubber, i.request, old_base)) not in fresh
        ]
        return [*kept, *self.interactions]

    def save_interrupted(self, signal_name: str) -> str | None:
        """Save what was recorded so far, marked interrupted by ``signal_name`` (``signals.py``);
        a line that says so, or None when there is nothing to save."""
        if not self.lock.acquire(timeout=_SIGNAL_LOCK_TIMEOUT):
            return (
                f"qiskit-runtime-double: {signal_name}: cassette {self.path} not saved: another "
                "thread held it for too long"
            )
        try:
            if self.finished or self.discarded or not self.interactions:
                return None
            count = len(self.interactions)
            try:
                self.save(interrupted=signal_name)
            except Exception as exc:  # in a signal handler: say it, and let the signal go on
                return (
                    f"qiskit-runtime-double: {signal_name}: saving cassette {self.path} failed: "
                    f"{type(exc).__name__}: {exc}"
                )
            return (
                f"qiskit-runtime-double: {signal_name}: cassette {self.path} saved with the "
                f"{count} interaction(s) recorded so far (marked interrupted: it ends early)"
            )
        finally:
            self.lock.release()

    # --- never closed ----------------------------------------------------------------------------

    def watch(self, transport: object) -> weakref.finalize[[str], object]:
        """Handle this recording as unclosed if ``transport`` is collected, or at exit, before
        ``finish()``; and save it if the process is told to stop (``signals.py``). The returned
        finalizer holds this recording, never ``transport``."""
        finalizer = weakref.finalize(
            transport, self.finish_unclosed, "when it was garbage-collected"
        )
        finalizer.atexit = False  # exit is ours (_at_exit): the message must say which it was
        _UNCLOSED.add(self)
        signals.watch(self)
        return finalizer

    def finish(self) -> None:
        self.finished = True
        _UNCLOSED.discard(self)
        signals.unwatch(self)

    def finish_unclosed(self, when: str) -> None:
        with self.lock:
            if self.finished:
                return
            count, lost = len(self.interactions), self._unsaved and not self.discarded
        self.finish()
        if not lost:
            return
        what = f"Cassette {self.path} was never closed"
        advice = (
            "Call close() on the CassetteTransport, or on the QiskitRuntimeService using it, or "
            "use either in a `with` block: the file is then written when you mean, and not at all "
            "when the code fails."
        )
        if when == _AT_EXIT and _ending_on_an_exception() and not self.keep_on_failure:
            self.discard()
            _warn(
                f"{what}, and the program is ending on an uncaught exception: its {count} "
                "recorded interaction(s) were discarded, as leaving a `with` block on an "
                f"exception discards them (keep_on_failure=True keeps them). {advice}"
            )
            return
        try:
            self.save()
        except Exception as exc:  # at exit or in a finalizer, a warning is all we can give
            _warn(f"{what}, and saving its {count} interaction(s) {when} failed: {exc}. {advice}")
            return
        _warn(f"{what}: its {count} recorded interaction(s) were saved {when}. {advice}")


_AT_EXIT: Final = "at interpreter exit"
#: How long a signal handler waits for a recording another thread is saving.
_SIGNAL_LOCK_TIMEOUT: Final = 10.0
#: Recordings whose transport is alive and not closed. Process-wide by nature: the interpreter
#: exits once, for every transport. Weak, so a recording leaves it when its finalizer has run.
_UNCLOSED: weakref.WeakSet[Recording] = weakref.WeakSet()


def _at_exit() -> None:
    for recording in list(_UNCLOSED):
        recording.finish_unclosed(_AT_EXIT)


# Registered at import, so it runs after any handler registered later (atexit is LIFO): in
# particular after the handlers of code that uses the cassette and may still close it at exit.
atexit.register(_at_exit)


def _ending_on_an_exception() -> bool:
    """Whether the interpreter is exiting because of an uncaught exception (not interactive:
    there, every error the user saw sets ``sys.last_value``)."""
    if hasattr(sys, "ps1") or sys.flags.interactive:
        return False
    return (
        getattr(sys, "last_exc", None) is not None or getattr(sys, "last_value", None) is not None
    )


def _not_saved_message(path: Path, stuck: list[str]) -> str:
    places = "\n".join(f"  {place}" for place in stuck)
    return (
        f"Cassette {path} was not saved: it would hold a secret that scrubbing cannot replace "
        f"(the value is never shown):\n{places}\n"
        "A value encoded inside a circuit's metadata (an array, a nested circuit) is stored "
        "whole, so a secret in it cannot be masked in place. Take the secret out of the circuit "
        "(rename it, or remove that metadata entry) and record again. If it is no secret, leave "
        "the rule named above out of scrub_rules."
    )


def _warn(message: str) -> None:
    warnings.warn(UnclosedCassetteWarning(message), stacklevel=2)


def _package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED_PACKAGES:
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            continue
    return versions
