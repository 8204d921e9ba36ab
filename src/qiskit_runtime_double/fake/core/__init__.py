"""The simulation: the fake service's state, scheduler, records, virtual clock, backends and
executor. Knows nothing of HTTP: the edge (``fake/http/``) turns requests into its commands, and
``FakeRuntime`` (``fake/runtime.py``) composes the two."""
