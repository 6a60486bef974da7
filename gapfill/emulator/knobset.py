"""What every emulator's knobs share: updating from a JSON body, refusing unknown names."""

from __future__ import annotations

import dataclasses
from typing import Any


class KnobSet:
    """Mixin for a dataclass of knobs; ``update`` is what the HTTP endpoints call."""

    def update(self, values: dict[str, Any]) -> None:
        names = {f.name for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        for key, value in values.items():
            if key not in names:
                raise KeyError(f"unknown knob '{key}'")
            setattr(self, key, value)
