"""Run cfn-lint as a library with gapfill's rules over templates and their nested stacks.

A nested stack's ``TemplateURL`` written as a local path (what ``aws cloudformation
package`` uploads) is followed, so linting ``main.yaml`` lints the whole tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gapfill.lint import rules as gapfill_rules

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
RULES_MODULE = "gapfill.lint.rules"


@dataclass(frozen=True)
class Finding:
    """One lint result, independent of cfn-lint's classes."""

    filename: str
    line: int
    column: int
    rule: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.column}: {self.rule} [{self.severity}] {self.message}"


def _load(path: Path) -> Any:
    from cfnlint.decode import decode

    template, matches = decode(str(path))
    return None if matches else template


def is_template(path: Path) -> bool:
    """A CloudFormation template: a mapping with ``Resources`` (flows and parameter files are not)."""
    if path.suffix not in TEMPLATE_SUFFIXES or not path.is_file():
        return False
    template = _load(path)
    return isinstance(template, Mapping) and isinstance(template.get("Resources"), Mapping)


def nested_templates(path: Path) -> list[Path]:
    """Local files named by ``AWS::CloudFormation::Stack`` TemplateURLs of ``path``."""
    template = _load(path)
    found: list[Path] = []
    resources = template.get("Resources") if isinstance(template, Mapping) else None
    if not isinstance(resources, Mapping):
        return found
    for resource in resources.values():
        if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        properties = resource.get("Properties")
        url = properties.get("TemplateURL") if isinstance(properties, Mapping) else None
        if isinstance(url, str) and "://" not in url:
            found.append((path.parent / url).resolve())
    return found


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Templates named or found under ``paths``, plus every nested template they use."""
    queue: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            queue.extend(sorted(p for p in path.rglob("*") if is_template(p)))
        else:
            queue.append(path)
    seen: dict[Path, None] = {}
    while queue:
        current = queue.pop(0).resolve()
        if current in seen:
            continue
        seen[current] = None
        if current.is_file():
            queue.extend(nested_templates(current))
    return list(seen)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def lint_paths(
    paths: Iterable[str | Path],
    *,
    schema_dir: Path | None = None,
    regions: list[str] | None = None,
    ignore_checks: list[str] | None = None,
) -> list[Finding]:
    """Lint every template (and nested template) under ``paths``; findings sorted by place."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    templates = expand(paths)
    if not templates:
        return []
    args = ["--append-rules", RULES_MODULE, "--regions", *(regions or ["us-east-1"])]
    if ignore_checks:
        args += ["--ignore-checks", *ignore_checks]
    config = ConfigMixIn(args, templates=[_display(t) for t in templates])
    if schema_dir is not None:
        gapfill_rules.SCHEMA_DIRECTORY.append(Path(schema_dir))
    try:
        matches = list(Runner(config).run())
    finally:
        if schema_dir is not None:
            gapfill_rules.SCHEMA_DIRECTORY.pop()
    findings = [_finding(m) for m in matches]
    return sorted(set(findings), key=lambda f: (f.filename, f.line, f.column, f.rule, f.message))


def _finding(match: Any) -> Finding:
    return Finding(
        filename=str(match.filename or ""),
        line=int(match.linenumber or 0),
        column=int(match.columnnumber or 0),
        rule=str(match.rule.id),
        severity=str(match.rule.severity),
        message=str(match.message),
    )


def exit_code(findings: Iterable[Finding]) -> int:
    """cfn-lint's convention: 2 for errors, 4 for warnings, 0 when clean."""
    code = 0
    for finding in findings:
        if finding.severity == "error":
            code |= 2
        elif finding.severity == "warning":
            code |= 4
    return code


def iter_report(findings: Iterable[Finding]) -> Iterator[str]:
    for finding in findings:
        yield str(finding)
