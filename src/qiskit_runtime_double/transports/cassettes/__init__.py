"""The parts of the cassette transport: file format, scrubbing, matching, replay, summaries.

``transports/cassette.py`` puts them together as ``CassetteTransport``. Nothing here imports
PyYAML at import time (it loads when a cassette is read or written), nor vcrpy at all.
"""

from __future__ import annotations

from .fileformat import FORMAT_VERSION, CassetteData, Interaction, read_cassette, write_cassette
from .replay import CassetteClock
from .scrub import DEFAULT_SCRUB_RULES, PLACEHOLDER, Finding, Scrubber, ScrubRule

__all__ = [
    "DEFAULT_SCRUB_RULES",
    "FORMAT_VERSION",
    "PLACEHOLDER",
    "CassetteClock",
    "CassetteData",
    "Finding",
    "Interaction",
    "ScrubRule",
    "Scrubber",
    "read_cassette",
    "write_cassette",
]
