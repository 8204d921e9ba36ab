"""Names a package exports but imports only when first used (PEP 562).

In ``wire/`` because it is the bottom layer: every other layer (the package, ``fake/``,
``transports/``) may use it. ``lazy_exports(__name__, {"Name": ".module"})`` returns the
``__getattr__`` and ``__dir__`` a package's ``__init__`` assigns; a plain module passes
``relative_to=__package__``, since its relative names are resolved against its package.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, str], *, relative_to: str | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` importing ``exports[name]`` (relative to ``relative_to``, by default
    ``package``) on first use, and ``__dir__`` listing those names too. A name found is kept in
    the namespace of ``package`` (the module that exports it)."""
    anchor = package if relative_to is None else relative_to

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, anchor), name)
        setattr(sys.modules[package], name, value)  # found directly next time
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
