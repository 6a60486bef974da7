"""Validation of a ``Custom::`` resource's template properties against its schema.

The runtime pipeline is reused, not re-implemented: properties are turned into what the
provider will receive (:func:`gapfill.lint.intrinsics.as_runtime`), coerced by
:func:`providers.core.schema.coerce` and validated by :class:`ResourceSchema` with the
engine's own error wording. Only the jsonschema validator differs: it lets intrinsic
placeholders stand for any value their function can produce.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, ValidationError, validators

from gapfill.lint.intrinsics import Intrinsic, as_runtime
from providers.core.schema import RESERVED_PROPERTIES, ResourceSchema, coerce, schema_file_name

_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})
#: Keywords that still apply to an intrinsic placeholder; every other one is skipped.
_DESCEND = frozenset({"$ref", "allOf"})


def _declared_types(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value or ())


def _skip_intrinsics(keyword: str, check: Any) -> Any:
    """Wrap one jsonschema keyword so that an intrinsic placeholder passes it.

    ``type`` still rejects a string-only function where no scalar is allowed; ``oneOf``
    becomes "any branch accepts it", since a placeholder would otherwise match every branch
    and fail "exactly one".
    """

    def wrapped(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if not isinstance(instance, Intrinsic):
            yield from check(validator, value, instance, schema) or ()
            return
        if keyword in _DESCEND:
            yield from check(validator, value, instance, schema) or ()
        elif keyword == "type":
            types = _declared_types(value)
            if instance.yields_string and types and not types & _SCALAR_TYPES:
                wanted = " or ".join(sorted(types))
                yield ValidationError(f"{instance.function} yields a string, but {wanted} is expected")
        elif keyword in ("oneOf", "anyOf") and not any(
            validator.evolve(schema=branch).is_valid(instance) for branch in value
        ):
            yield ValidationError(f"{instance.function} cannot yield a value matching any allowed form")

    return wrapped


TemplateValidator: Any = validators.extend(
    Draft7Validator,
    {keyword: _skip_intrinsics(keyword, check) for keyword, check in Draft7Validator.VALIDATORS.items()},
)


class TemplateSchema(ResourceSchema):
    """A resource schema whose validator understands intrinsic placeholders."""

    @functools.cached_property
    def _validator(self) -> Any:
        return TemplateValidator(self.input_schema, format_checker=Draft7Validator.FORMAT_CHECKER)

    def template_errors(self, properties: Mapping[str, Any]) -> list[Problem]:
        """Every problem of a resource's ``Properties`` (ServiceToken aside), with paths."""
        runtime = as_runtime({k: v for k, v in properties.items() if k not in RESERVED_PROPERTIES})
        coerced = coerce(runtime, self.input_schema, self.input_schema)
        problems: list[Problem] = []
        for error in sorted(self._validator.iter_errors(coerced), key=lambda e: list(map(str, e.path))):
            path = list(error.absolute_path)
            if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
                known = set(error.schema.get("properties", {}))
                for extra in sorted(set(error.instance) - known):
                    problems.append(Problem((*path, extra), f"{_dotted([*path, extra])}: unknown property"))
                continue
            for message in self._describe(error):
                problems.append(Problem(tuple(path), message))
        return list(dict.fromkeys(problems))


def _dotted(path: list[str | int]) -> str:
    from providers.core.schema import format_path

    return format_path(path)


@dataclass(frozen=True)
class Problem:
    """One schema problem: where in ``Properties`` it is, and the engine-style message."""

    path: tuple[str | int, ...]
    message: str


def default_schema_dir() -> Path:
    """``GAPFILL_SCHEMA_DIR`` or the repository's ``schemas/``, as the runtime uses."""
    from providers.core.schema import schema_dir

    return Path(os.environ.get("GAPFILL_SCHEMA_DIR") or schema_dir())


@functools.cache
def _load(directory: Path, resource_type: str, stamp: float) -> TemplateSchema:
    del stamp  # part of the cache key only: an edited schema is read again
    path = directory / schema_file_name(resource_type)
    with path.open(encoding="utf-8") as handle:
        return TemplateSchema(resource_type, json.load(handle))


def load_template_schema(resource_type: str, directory: Path | None = None) -> TemplateSchema | None:
    """The schema of ``Custom::X`` from ``X.json``, or None when the type has none."""
    if not resource_type.startswith("Custom::") or "/" in resource_type:
        return None
    folder = (directory or default_schema_dir()).resolve()
    path = folder / schema_file_name(resource_type)
    if not path.is_file():
        return None
    return _load(folder, resource_type, path.stat().st_mtime)
