"""pytest plugin for qiskit-runtime-double: one test, four runtime modes.

fake, replay, record and live.

Registered through the ``pytest11`` entry point; see ``plugin.py`` and docs/pytest-plugin.md.
"""

from __future__ import annotations

__all__: list[str] = []
