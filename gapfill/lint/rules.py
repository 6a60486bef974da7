"""cfn-lint rules for gapfill's ``Custom::`` resources (loaded with ``--append-rules``).

cfn-lint accepts anything under a ``Custom::`` type: it cannot know the properties a
provider expects. These rules close that gap with the same ``schemas/*.json`` the providers
validate with at runtime, so a template fails on a laptop instead of in a stack rollback.

Only concrete rule classes may live in this module: cfn-lint instantiates every subclass
of ``CloudFormationLintRule`` it finds here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from gapfill.lint.intrinsics import get_att_target, sub_references
from gapfill.lint.validation import load_template_schema

#: Set by :func:`gapfill.lint.runner.lint_paths` to lint against another schema folder.
SCHEMA_DIRECTORY: list[Path] = []

_SOURCE = "https://github.com/gapfill/gapfill/blob/main/docs/lint.md"


def _schema_dir() -> Path | None:
    return SCHEMA_DIRECTORY[-1] if SCHEMA_DIRECTORY else None


def _custom_resources(template: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return
    for name, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, Mapping) else None
        if isinstance(kind, str) and kind.startswith("Custom::"):
            yield str(name), kind, resource


class CustomResourceProperties(CloudFormationLintRule):
    """Properties of a ``Custom::`` resource must satisfy the type's schema."""

    id = "E9101"
    shortdesc = "gapfill Custom:: resource properties match schemas/"
    description = (
        "Every Custom:: type needs a schema in schemas/, a ServiceToken, and properties that "
        "satisfy the schema (intrinsic functions stand for any value they can produce)."
    )
    source_url = _SOURCE
    tags = ["resources", "custom", "gapfill"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for name, resource_type, resource in _custom_resources(cfn.template):
            base = ["Resources", name]
            schema = load_template_schema(resource_type, _schema_dir())
            if schema is None:
                suffix = resource_type.split("::", 1)[-1]
                matches.append(
                    RuleMatch(
                        [*base, "Type"],
                        f"{name}: unknown custom resource type {resource_type} (no schemas/{suffix}.json)",
                    )
                )
                continue
            properties = resource.get("Properties")
            if not isinstance(properties, Mapping):
                matches.append(RuleMatch(base, f"{name}: Properties with a ServiceToken are required"))
                continue
            if "ServiceToken" not in properties:
                matches.append(RuleMatch([*base, "Properties"], f"{name}: ServiceToken is required"))
            for problem in schema.template_errors(properties):
                path = _existing_path(properties, problem.path)
                matches.append(RuleMatch([*base, "Properties", *path], f"{name}: {problem.message}"))
        return matches


class CustomResourceAttributes(CloudFormationLintRule):
    """``Fn::GetAtt`` (and ``${X.Y}`` in ``Fn::Sub``) on a gapfill type names a returned attribute."""

    id = "E9102"
    shortdesc = "gapfill Custom:: attributes exist in the schema's readOnlyProperties"
    description = (
        "Fn::GetAtt on a Custom:: resource must name an attribute the provider returns: one "
        "of the readOnlyProperties of its schema."
    )
    source_url = _SOURCE
    tags = ["functions", "getatt", "custom", "gapfill"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        attributes: dict[str, tuple[str, tuple[str, ...]]] = {}
        for name, resource_type, _ in _custom_resources(cfn.template):
            schema = load_template_schema(resource_type, _schema_dir())
            if schema is not None:
                attributes[name] = (resource_type, schema.read_only + _keyed_attributes(schema.document))
        if not attributes:
            return []
        matches: list[RuleMatch] = []
        for path, logical, attribute in _attribute_uses(cfn.template, []):
            if logical not in attributes:
                continue
            resource_type, returned = attributes[logical]
            keyed = attribute.partition(".")[0] + ".*" if "." in attribute else ""
            named = (attribute, attribute.replace(".", "/"), keyed)
            if not any(name in returned for name in named):
                known = ", ".join(returned) or "none"
                matches.append(
                    RuleMatch(
                        path,
                        f"{logical}: {resource_type} returns no attribute {attribute!r} (returns: {known})",
                    )
                )
        return matches


def _keyed_attributes(document: Mapping[str, Any]) -> tuple[str, ...]:
    """``Name.*`` for each read-only object property keyed by ``patternProperties``: attributes
    named by the template's own values (Custom::ConnectLookup's ``Queue.BasicQueue.Arn``)."""
    properties = document.get("properties", {})
    keyed = []
    for pointer in document.get("readOnlyProperties", ()):
        name = str(pointer).removeprefix("/properties/")
        spec = properties.get(name, {})
        if spec.get("type") == "object" and spec.get("patternProperties"):
            keyed.append(f"{name}.*")
    return tuple(keyed)


def _attribute_uses(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str, str]]:
    """Every (path, logical id, attribute) read by Fn::GetAtt or an Fn::Sub reference."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = [*path, key]
            if key == "Fn::GetAtt":
                target = get_att_target(value)
                if target:
                    yield here, target[0], target[1]
            elif key == "Fn::Sub":
                yield from _sub_uses(value, here)
            yield from _attribute_uses(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _attribute_uses(value, [*path, index])


def _sub_uses(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str, str]]:
    text, variables = (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (value, {})
    if not isinstance(text, str):
        return
    local = set(variables) if isinstance(variables, Mapping) else set()
    for reference in sub_references(text):
        logical, _, attribute = reference.partition(".")
        if attribute and logical not in local:
            yield path, logical, attribute


def _existing_path(properties: Mapping[str, Any], path: tuple[str | int, ...]) -> list[str | int]:
    """The longest prefix of ``path`` present in the template, for an accurate line number."""
    node: Any = properties
    found: list[str | int] = []
    for part in path:
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_mapping or in_list):
            break
        node = node[part]
        found.append(part)
    return found


NOTIFICATION_TYPE = "Custom::S3BucketNotification"


class SharedBucketNotificationsOrdered(CloudFormationLintRule):
    """Two notification resources on one bucket must not run at the same time.

    A bucket has one notification document that S3 only reads and writes whole, with no
    conditional write. CloudFormation creates (updates, deletes) resources that do not depend
    on each other in parallel, so two ``Custom::S3BucketNotification`` resources on one bucket
    read-modify-write it concurrently. The provider re-reads and re-merges after writing, which
    covers two gapfill writers, but ordering them with ``DependsOn`` (directly, transitively, or
    through a Ref/GetAtt) removes the race altogether.
    """

    id = "W9103"
    shortdesc = "Custom::S3BucketNotification resources on one bucket are ordered"
    description = (
        "Two Custom::S3BucketNotification resources with the same BucketName must be ordered by "
        "DependsOn (transitively): CloudFormation runs unordered resources in parallel, and both "
        "rewrite the bucket's one notification document."
    )
    source_url = _SOURCE
    tags = ["resources", "custom", "gapfill", "s3"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        resources = cfn.template.get("Resources")
        if not isinstance(resources, Mapping):
            return []
        by_bucket: dict[str, list[str]] = {}
        for name, resource_type, resource in _custom_resources(cfn.template):
            properties = resource.get("Properties")
            bucket = properties.get("BucketName") if isinstance(properties, Mapping) else None
            if resource_type == NOTIFICATION_TYPE and bucket is not None:
                by_bucket.setdefault(json.dumps(bucket, sort_keys=True), []).append(name)
        graph = {str(name): _dependencies(resource) for name, resource in resources.items()}
        matches: list[RuleMatch] = []
        for names in by_bucket.values():
            for index, later in enumerate(names):
                for earlier in names[:index]:
                    if not (_reaches(graph, later, earlier) or _reaches(graph, earlier, later)):
                        matches.append(_unordered(later, earlier))
        return matches


def _unordered(later: str, earlier: str) -> RuleMatch:
    return RuleMatch(
        ["Resources", later, "Properties", "BucketName"],
        f"{later}: {NOTIFICATION_TYPE} on the same bucket as {earlier}, and neither depends on the "
        f"other; add DependsOn: {earlier} so that CloudFormation does not run both at once",
    )


def _dependencies(resource: Any) -> set[str]:
    """Logical ids a resource waits for: DependsOn, Ref, Fn::GetAtt and Fn::Sub references."""
    if not isinstance(resource, Mapping):
        return set()
    depends = resource.get("DependsOn", [])
    found = {depends} if isinstance(depends, str) else {str(d) for d in depends if isinstance(d, str)}
    return found | set(_references(resource.get("Properties")))


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                target = get_att_target(value)
                if target:
                    yield target[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) and value else value
                if isinstance(text, str):
                    yield from (ref.partition(".")[0] for ref in sub_references(text))
            yield from _references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _references(value)


def _reaches(graph: Mapping[str, set[str]], start: str, goal: str) -> bool:
    """True when ``start`` waits for ``goal``, directly or through other resources."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        current = todo.pop()
        for nxt in graph.get(current, set()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


_VERSIONED_TOKEN = re.compile(r"-v(\d+)-([A-Za-z0-9]+)-ServiceToken$")


def _imported_name(token: Any) -> str | None:
    """The export name (its literal text, ``${...}`` left in) a ServiceToken imports, if any."""
    if not isinstance(token, Mapping) or set(token) != {"Fn::ImportValue"}:
        return None
    name = token["Fn::ImportValue"]
    if isinstance(name, Mapping) and set(name) == {"Fn::Sub"}:
        name = name["Fn::Sub"][0] if isinstance(name["Fn::Sub"], list) else name["Fn::Sub"]
    return name if isinstance(name, str) else None


class VersionedServiceToken(CloudFormationLintRule):
    """A ServiceToken imports the providers' per-major export of its own type.

    CloudFormation cannot change a custom resource's ServiceToken, so the token a resource is
    created with is the one it keeps: the unversioned ``<stack>-<Type>-ServiceToken`` (before
    1.0) would follow every future major, and a token of another type would be refused by the
    function (it serves one type). docs/upgrading.md.
    """

    id = "W9104"
    shortdesc = "ServiceToken imports <stack>-v<MAJOR>-<Type>-ServiceToken of the resource's type"
    description = (
        "Import the providers' versioned export of the resource's own type, e.g. "
        "${ProvidersStackName}-v1-ConnectUser-ServiceToken: a ServiceToken can never change later."
    )
    source_url = _SOURCE
    tags = ["resources", "custom", "gapfill"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for name, resource_type, resource in _custom_resources(cfn.template):
            properties = resource.get("Properties")
            token = properties.get("ServiceToken") if isinstance(properties, Mapping) else None
            imported = _imported_name(token)
            if imported is None or not imported.endswith("-ServiceToken"):
                continue
            suffix = resource_type.split("::", 1)[-1]
            found = _VERSIONED_TOKEN.search(imported)
            path = ["Resources", name, "Properties", "ServiceToken"]
            if found is None:
                matches.append(
                    RuleMatch(
                        path,
                        f"{name}: ServiceToken imports the unversioned '{imported}'; import "
                        f"'<stack>-v1-{suffix}-ServiceToken' (a ServiceToken can never change later)",
                    )
                )
            elif found.group(2) != suffix:
                matches.append(
                    RuleMatch(
                        path, f"{name}: ServiceToken '{imported}' is the token of Custom::{found.group(2)}"
                    )
                )
        return matches
