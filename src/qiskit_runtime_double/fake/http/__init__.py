"""The fake's HTTP edge: the REST app, router, request guard, pacer, control API, result stream,
live page, server, TLS and IBM Cloud platform endpoints. Depends on the simulation core
(``fake/core/``), never on ``FakeRuntime``."""
