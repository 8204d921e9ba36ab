"""Import the heavy packages before pytester snapshots ``sys.modules``: its in-process runs drop
modules imported inside them, and qiskit's compiled extension cannot be loaded twice."""

from __future__ import annotations

import qiskit_aer  # noqa: F401
import qiskit_runtime_double  # noqa: F401
import qiskit_runtime_double.accounts  # noqa: F401
