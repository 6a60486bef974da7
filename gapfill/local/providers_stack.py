"""The providers' stack as the local job plays it: functions, published versions, aliases, exports.

``gapfill deploy --local`` invokes the providers in this process, but which code answers a
request is decided as Lambda decides it: the ServiceToken a template imports is resolved
through the exports of a providers stack "deployed" from the generated
``packaging/template.yaml`` (``AutoPublishAlias`` publishes a version whenever the code changed
and moves the ``v<MAJOR>`` alias to it), and each event is handled by the build that alias
(or version, or ``$LATEST`` for an unqualified ARN) points at. So a template importing an
export that the providers' template does not create fails locally, as it would in
CloudFormation, and the upgrade rehearsal can deploy a second build (a copy of the tree with
another version, loaded as separate modules) and show which code answers afterwards.

CloudFormation's rules that this model enforces: an export name is unique in a region, and an
export that another stack imports can be neither removed nor changed
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-exports.html);
a custom resource's ServiceToken cannot be updated
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudformation-customresource.html).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import re
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from gapfill import versioning

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "providers"
#: What a provider build holds from the tree (the zip's first-party part).
BUILD_PARTS = ("providers", "schemas")
_LAMBDA_ARN = re.compile(r"arn:[\w-]+:lambda:([\w-]+):(\d{12}):function:([\w.-]+)(?::([\w$-]+))?")
_VERSION_LINE = re.compile(r'^__version__ = "[^"]*"$', re.MULTILINE)
_SWAP = threading.RLock()


class ProvidersStackError(RuntimeError):
    """What CloudFormation or Lambda would refuse, said as they say it."""


def _owned(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


class _TreeFinder(importlib.abc.MetaPathFinder):
    """Finds ``providers`` in a build's folder, ahead of the editable install's finder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname == PACKAGE:
            return importlib.machinery.PathFinder.find_spec(fullname, [str(self.root)])
        if _owned(fullname):
            return importlib.machinery.PathFinder.find_spec(fullname, path)
        return None


@dataclass
class Build:
    """One deployment package of the providers: its version and its code.

    ``root`` None is this process's own ``providers`` package; otherwise a folder holding a
    copy, imported as separate modules while the build is active (a Lambda execution
    environment of that version, in this process)."""

    version: str
    root: Path | None = None
    digest: str = ""
    _modules: dict[str, ModuleType] = field(default_factory=dict, repr=False)
    _depth: int = field(default=0, repr=False)

    @classmethod
    def in_process(cls) -> Build:
        from providers import __version__

        return cls(__version__, None, _tree_digest(ROOT, __version__))

    @classmethod
    def copy_of_tree(cls, version: versioning.Version, folder: Path) -> Build:
        """The tree's code released as ``version``: what ``gapfill package`` would zip after the
        version bump, and nothing else changed."""
        for part in BUILD_PARTS:
            shutil.copytree(
                ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
            )
        init = folder / PACKAGE / "__init__.py"
        text = init.read_text(encoding="utf-8")
        init.write_text(_VERSION_LINE.sub(f'__version__ = "{version}"', text, count=1), encoding="utf-8")
        return cls(str(version), folder, _tree_digest(folder, str(version)))

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """``providers`` is this build's code for the block (re-entrant, one build at a time)."""
        if self.root is None or self._depth:
            yield
            return
        with _SWAP:
            self._depth += 1
            saved = {name: sys.modules.pop(name) for name in list(sys.modules) if _owned(name)}
            sys.modules.update(self._modules)
            finder = _TreeFinder(self.root)
            sys.meta_path.insert(0, finder)
            try:
                yield
            finally:
                self._depth -= 1
                sys.meta_path.remove(finder)
                self._modules = {name: sys.modules.pop(name) for name in list(sys.modules) if _owned(name)}
                sys.modules.update(saved)

    def handler(self) -> Any:
        with self.active():
            from providers.handler import lambda_handler

            return lambda_handler

    def code_version(self) -> str:
        """The version the build's own code says it is (``providers.__version__`` as loaded)."""
        with self.active():
            import providers

            return str(providers.__version__)


def _tree_digest(root: Path, version: str) -> str:
    """Stands for the zip's CodeSha256: code changed means a new published version."""
    digest = hashlib.sha256(version.encode())
    for part in BUILD_PARTS:
        for path in sorted((root / part).rglob("*.py")) + sorted((root / part).rglob("*.json")):
            if "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class Function:
    """A Lambda function: its published versions (1-based) and aliases."""

    name: str
    latest: Build
    versions: list[Build] = field(default_factory=list)
    aliases: dict[str, int] = field(default_factory=dict)

    def publish(self, build: Build) -> int:
        """``AutoPublishAlias``: a new version only when the code changed."""
        self.latest = build
        if not self.versions or self.versions[-1].digest != build.digest:
            self.versions.append(build)
        return len(self.versions)


@dataclass(frozen=True)
class Target:
    """What a ServiceToken invokes."""

    function: str
    qualifier: str
    version: int | None
    build: Build


@dataclass
class Region:
    """The providers' stacks of one account and region, with CloudFormation's exports."""

    region: str
    account: str
    functions: dict[str, Function] = field(default_factory=dict)
    exports: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (stack, value)
    imports: dict[str, set[str]] = field(default_factory=dict)  # export name -> importing stacks
    stacks: dict[str, Build] = field(default_factory=dict)

    def function_arn(self, name: str) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{name}"

    def deploy(self, stack: str, template: dict[str, Any], build: Build) -> list[str]:
        """Create or update the providers' stack ``stack`` from ``template`` with ``build``'s
        code; returns one line per alias it moved. Refused, changing nothing, where
        CloudFormation would refuse the update."""
        functions = _functions(template, stack)
        exports = _exports(template, stack, functions, self.function_arn)
        self._check_exports(stack, exports)
        moved = []
        for logical_id, (name, alias) in sorted(functions.items()):
            function = self.functions.setdefault(name, Function(name, build))
            before = function.aliases.get(alias)
            number = function.publish(build)
            function.aliases = {alias: number}  # SAM's alias resource: only the template's major
            if before != number:
                moved.append(f"{logical_id}: alias {alias} -> version {number} ({build.version})")
        for name in [n for n, (owner, _) in self.exports.items() if owner == stack]:
            del self.exports[name]
        self.exports.update({name: (stack, value) for name, value in exports.items()})
        self.stacks[stack] = build
        return moved

    def _check_exports(self, stack: str, exports: dict[str, Any]) -> None:
        for name, value in exports.items():
            owner, current = self.exports.get(name, (stack, value))
            if owner != stack:
                raise ProvidersStackError(f"Export with name {name} is already exported by stack {owner}")
            if current != value and self.imports.get(name):
                raise ProvidersStackError(
                    f"Cannot update export {name} as it is in use by {', '.join(sorted(self.imports[name]))}"
                )
        for name, (owner, _) in self.exports.items():
            if owner == stack and name not in exports and self.imports.get(name):
                users = ", ".join(sorted(self.imports[name]))
                raise ProvidersStackError(f"Export {name} cannot be deleted as it is in use by {users}")

    def import_value(self, name: str, by_stack: str) -> Any:
        if name not in self.exports:
            raise ProvidersStackError(f"No export named {name} found")
        self.imports.setdefault(name, set()).add(by_stack)
        return self.exports[name][1]

    def release(self, by_stack: str) -> None:
        """``by_stack`` was deleted: it imports nothing any more."""
        for stacks in self.imports.values():
            stacks.discard(by_stack)

    def route(self, service_token: str) -> Target:
        """The build Lambda runs for ``service_token``, as Invoke resolves a function ARN."""
        match = _LAMBDA_ARN.fullmatch(service_token)
        if match is None or (match.group(1), match.group(2)) != (self.region, self.account):
            raise ProvidersStackError(f"ServiceToken {service_token} is not a Lambda function of this region")
        name, qualifier = match.group(3), match.group(4) or "$LATEST"
        function = self.functions.get(name)
        if function is None:
            raise ProvidersStackError(f"Function not found: {service_token}")
        if qualifier == "$LATEST":
            return Target(name, qualifier, None, function.latest)
        number = function.aliases.get(qualifier) or (int(qualifier) if qualifier.isdigit() else None)
        if number is None or not 1 <= number <= len(function.versions):
            raise ProvidersStackError(f"Function not found: {service_token}")
        return Target(name, qualifier, number, function.versions[number - 1])


def _functions(template: dict[str, Any], stack: str) -> dict[str, tuple[str, str]]:
    """Logical id -> (function name, alias) of the template's functions."""
    found = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        name = _sub(props.get("FunctionName"), stack)
        alias = props.get("AutoPublishAlias")
        if not isinstance(alias, str):
            raise ProvidersStackError(f"{logical_id}: no AutoPublishAlias (a ServiceToken must be an alias)")
        found[logical_id] = (name, alias)
    return found


def _exports(
    template: dict[str, Any], stack: str, functions: dict[str, tuple[str, str]], arn: Any
) -> dict[str, str]:
    exports = {}
    for key, output in template.get("Outputs", {}).items():
        name = output.get("Export", {}).get("Name")
        if name is None:
            continue
        value = output.get("Value")
        if isinstance(value, dict) and isinstance(value.get("Ref"), str) and value["Ref"].endswith(".Alias"):
            function, alias = functions[value["Ref"].removesuffix(".Alias")]
            resolved = f"{arn(function)}:{alias}"
        elif isinstance(value, dict) and "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                raise ProvidersStackError(f"output {key}: GetAtt {attribute} is not modelled")
            resolved = arn(functions[logical_id][0])
        else:
            raise ProvidersStackError(f"output {key}: value {value!r} is not modelled")
        exports[_sub(name, stack)] = resolved
    return exports


def _sub(value: Any, stack: str) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    if not isinstance(text, str):
        raise ProvidersStackError(f"{value!r}: only Fn::Sub of ${{AWS::StackName}} is modelled")
    return text.replace("${AWS::StackName}", stack)


def template_for(version: versioning.Version) -> dict[str, Any]:
    """The providers' template ``gapfill sam-template`` renders for ``version`` (long-form
    intrinsics, as CloudFormation reads it)."""
    from gapfill.bundling import samtemplate
    from gapfill.local.template import loads

    return loads(samtemplate.render(samtemplate.load_specs(version=version)))


#: The providers' stack the local parameter files name (ProvidersStackName).
PROVIDERS_STACK = "gapfill-providers"


def installed_providers(region: Region | None = None, stack: str = PROVIDERS_STACK) -> Region:
    """The providers' stack as ``sam deploy`` of the generated template leaves it, with this
    process's code as the deployed build."""
    from gapfill.emulator.server import EMULATOR_ACCOUNT_ID
    from gapfill.local.model import REGION

    region = region or Region(REGION, EMULATOR_ACCOUNT_ID)
    region.deploy(stack, template_for(versioning.current()), Build.in_process())
    return region
