"""``RuntimeOptions`` (the 2023 options of one run) and how a run's options become job fields.

``Session.run``/``QiskitRuntimeService.run`` take ``options`` as a ``RuntimeOptions`` or a dict
of the same keys (plus ``private``, and ``tags`` for ``job_tags``). ``run_settings`` checks them
and says what they mean for the job: its backend, its ``POST /jobs`` fields (``log_level``,
``tags``, ``cost``, ``runtime``, ``private``) and, for a session's first job, the session time.

Where this differs from qiskit-ibm-runtime 0.15.1: values are checked when the object is built
(types, the image's form, the log level, the tags' limits) as well as by ``validate(channel)``;
``instance`` may be the service's own instance (any other is refused: our client acts for one
instance, named by its ``Service-CRN`` header); ``Session.run`` accepts a ``RuntimeOptions``
(0.15.1's could not: it assigned into it like a dict).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..errors import IBMInputTypeError, IBMInputValueError
from ..validation import check_bool, check_positive_int, check_str, check_tags

__all__ = ["CHANNELS", "RunSettings", "RuntimeOptions", "run_settings"]

#: ``image_name:tag``, as 0.15.1 checks it.
IMAGE_FORM = re.compile(r"[a-zA-Z0-9]+([/.\-_][a-zA-Z0-9]+)*:[a-zA-Z0-9]+([.\-_][a-zA-Z0-9]+)*$")
#: The channels ``validate`` knows: 2023's two, and today's (an IBM Cloud instance, like
#: ``ibm_cloud``).
CHANNELS = ("ibm_quantum", "ibm_cloud", "ibm_quantum_platform")
#: Keys a dict of run options may hold besides the ``RuntimeOptions`` fields.
_DICT_EXTRAS = ("private", "tags")


@dataclass
class RuntimeOptions:
    """Options of one program run (qiskit-ibm-runtime 0.15.1's fields, in its order).

    ``backend``: the backend's name. ``image``: ``image_name:tag``. ``log_level``: ``DEBUG``,
    ``INFO``, ``WARNING``, ``ERROR`` or ``CRITICAL``. ``instance``: the instance to act for.
    ``job_tags``: tags to find the job by. ``max_execution_time``: seconds the job may run.
    ``session_time``: seconds the session started by this job may last.
    """

    backend: str | None = None
    image: str | None = None
    log_level: str | None = None
    instance: str | None = None
    job_tags: list[str] | None = None
    max_execution_time: int | None = None
    session_time: int | None = None

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        """Types and forms of the values set (they can be reassigned after construction)."""
        for name in ("backend", "instance"):
            value = getattr(self, name)
            if value is not None:
                check_str(name, value)
        if self.image is not None and not IMAGE_FORM.match(check_str("image", self.image)):
            raise IBMInputValueError(
                f'"image" needs to be in form of image_name:tag, got {self.image!r}.'
            )
        if self.log_level is not None:
            level = check_str("log_level", self.log_level)
            if not isinstance(logging.getLevelName(level.upper()), int):
                raise IBMInputValueError(
                    f"{level} is not a valid log level. The valid log levels are: `DEBUG`, "
                    "`INFO`, `WARNING`, `ERROR`, and `CRITICAL`."
                )
        if self.job_tags is not None:
            self.job_tags = check_tags("job_tags", self.job_tags)
        for name in ("max_execution_time", "session_time"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, check_positive_int(name, value))

    def validate(self, channel: str) -> None:
        """Check the options for ``channel``, as 0.15.1 does: the ``ibm_quantum`` channel needs a
        backend; only it takes an ``instance`` (a hub/group/project). Raises
        ``IBMInputValueError``."""
        if channel not in CHANNELS:
            raise IBMInputValueError(
                f"Unknown channel {channel!r}: expected one of {', '.join(CHANNELS)}."
            )
        self._check()
        if channel == "ibm_quantum" and not self.backend:
            raise IBMInputValueError(
                '"backend" is required field in "options" for "ibm_quantum" channel.'
            )
        if self.instance and channel != "ibm_quantum":
            raise IBMInputValueError('"instance" is only supported for "ibm_quantum" channel.')


@dataclass(frozen=True)
class RunSettings:
    """What a run's options mean for the job.

    ``fields`` are the ``POST /jobs`` body fields they set (``JobCreateRequest`` keywords).
    """

    backend: str | None
    session_time: int | None
    fields: dict[str, Any]


def _from_dict(options: Mapping[str, Any]) -> tuple[RuntimeOptions, bool | None]:
    known = [f.name for f in fields(RuntimeOptions)]
    values: dict[str, Any] = {}
    private: bool | None = None
    for key, value in options.items():
        if key == "private":
            private = None if value is None else check_bool("private", value)
        elif key in ("tags", "job_tags"):
            if value is None:
                continue
            if "job_tags" in values:
                raise IBMInputValueError("Give the job's tags once: as job_tags or as tags.")
            values["job_tags"] = check_tags(key, value)  # the error names the key given
        elif key in known:
            values[key] = value
        else:
            raise IBMInputValueError(
                f"Unknown run option {key!r}; known options: "
                f"{', '.join(sorted([*known, *_DICT_EXTRAS]))}."
            )
    return RuntimeOptions(**values), private


def run_settings(options: Any, *, instance: str | None) -> RunSettings:
    """Check a run's ``options`` (a ``RuntimeOptions``, a dict of its keys, or None).

    ``instance`` is the service's: an ``instance`` option must name it (jobs go to the
    instance the service acts for; another needs another service).
    """
    if options is None:
        options = {}
    if isinstance(options, RuntimeOptions):
        options._check()
        runtime, private = options, None
    elif isinstance(options, Mapping):
        runtime, private = _from_dict(options)
    else:
        raise IBMInputTypeError(
            "options must be a RuntimeOptions or a dict of run options (e.g. "
            f"{{'job_tags': ['a']}}), got {type(options).__name__}."
        )
    if runtime.instance is not None and runtime.instance != instance:
        raise IBMInputValueError(
            f"options instance {runtime.instance!r} is not this service's instance "
            f"({instance!r}): jobs run in the instance the service acts for. Leave it out, or "
            f"use QiskitRuntimeService(instance={runtime.instance!r})."
        )
    found = {
        "log_level": runtime.log_level,
        "tags": runtime.job_tags or None,
        "cost": runtime.max_execution_time,
        "runtime": runtime.image,
        # Sent only when true, as the official client does.
        "private": True if private else None,
    }
    return RunSettings(
        backend=runtime.backend,
        session_time=runtime.session_time,
        fields={key: value for key, value in found.items() if value is not None},
    )
