"""One module per provider, each defining ``CASE``; discovered by :func:`load_cases`."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def load_cases() -> list[Any]:
    cases = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        case = getattr(module, "CASE", None)
        if case is not None:
            cases.append(case)
    return cases
