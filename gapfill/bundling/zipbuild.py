"""The Lambda zips, built without Docker and byte-for-byte reproducible.

The providers' zip: ``providers/`` and ``schemas/`` from the tree, plus the runtime
dependencies pinned in ``packaging/requirements.txt`` installed from wheels for the Lambda
platform (``manylinux2014_<arch>``, CPython 3.12). Wheels are the only way to get compiled
dependencies such as ``rpds-py`` right for arm64 on an x86 laptop; they are cached under
``build/wheels/`` so a second build needs no network.

One zip per runtime function (``functions/<name>/``, see :data:`FUNCTIONS`), written to
``<output>/functions/<name>.zip``: the function's package, the ``providers`` modules it
imports (followed through the import graph, so the agent-directory function carries the
directory sync but not the custom-resource engine or jsonschema), and only the pinned
dependencies it declares. The build fails when the code imports something the zip would
not hold, rather than the function failing at its first invocation.

Reproducible means two builds of the same tree give the same bytes (and so the same S3
key and no spurious Lambda code update): entries sorted, timestamps fixed at 1980-01-01,
permissions fixed, no ``__pycache__``, and pip's install records (which carry local paths
and installer names) left out.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gapfill.bundling import rdsca

REPO = Path(__file__).resolve().parents[2]
ZIP_NAME = "gapfill-providers.zip"
MANIFEST_NAME = "gapfill-providers.json"
DEFAULT_OUTPUT = REPO / "build" / "lambda"
DEFAULT_CACHE = REPO / "build" / "wheels"
REQUIREMENTS = REPO / "packaging" / "requirements.txt"
PYTHON_VERSION = "3.12"

#: Lambda's documented limits for a .zip deployment package.
MAX_ZIPPED = 50 * 1024 * 1024  # direct upload
MAX_UNZIPPED = 250 * 1024 * 1024  # function and layers, uncompressed

PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}

#: Provided by the Lambda Python runtime; shipping them would only add size and shadow
#: the runtime's patched versions.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
#: pip's per-install bookkeeping: not needed at run time, and not reproducible.
_DIST_INFO_DROP = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


#: Top-level packages of the tree that may ship inside a function zip, and those that never do.
FIRST_PARTY = ("functions", "providers")
NEVER_SHIPPED = ("gapfill", "tests", "benchmarks", "packaging")
#: Import names of the distributions the Lambda runtime provides (see RUNTIME_PROVIDED).
RUNTIME_MODULES = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"})
#: Data a module reads at run time: shipped whenever the module is.
MODULE_DATA = {"providers.core.schema": "schemas"}
FUNCTIONS_DIR = "functions"


class BuildError(Exception):
    """The package cannot be built or breaks a Lambda limit."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    #: sha256 (hex) of every wheel file this pin may be installed from.
    hashes: frozenset[str] = frozenset()

    @property
    def wheel_prefix(self) -> str:
        """How the wheel file name starts (PEP 427 escaping of the distribution name)."""
        return f"{re.sub(r'[-_.]+', '_', self.name).lower()}-{self.version}-"


@dataclass
class BuildResult:
    path: Path
    arch: str
    sha256: str
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    groups: dict[str, int] = field(default_factory=dict)
    #: What was installed from which verified wheel: name, version, wheel, sha256.
    dependencies: list[dict[str, str]] = field(default_factory=list)
    #: Where the RDS certificate bundle came from and its digest (providers' zip only).
    ca_bundle: dict[str, object] = field(default_factory=dict)

    def manifest(self) -> dict[str, object]:
        from providers import __version__

        extra: dict[str, object] = {"ca_bundle": self.ca_bundle} if self.ca_bundle else {}
        return {
            "version": __version__,
            "zip": self.path.name,
            "arch": self.arch,
            "python": PYTHON_VERSION,
            "sha256": self.sha256,
            "zipped_bytes": self.zipped_bytes,
            "unzipped_bytes": self.unzipped_bytes,
            "files": self.files,
            "dependencies": self.dependencies,
            **extra,
        }

    def summary(self, top: int = 12) -> str:
        """Human-readable size report: totals, limits, and the largest top-level entries."""
        lines = [
            f"{self.path} ({self.arch}, python{PYTHON_VERSION})",
            f"  zipped   {_mb(self.zipped_bytes):>8} of {_mb(MAX_ZIPPED)} "
            f"({100 * self.zipped_bytes / MAX_ZIPPED:.1f}% of the direct-upload limit)",
            f"  unzipped {_mb(self.unzipped_bytes):>8} of {_mb(MAX_UNZIPPED)} "
            f"({100 * self.unzipped_bytes / MAX_UNZIPPED:.1f}%)",
            f"  files    {self.files}",
            f"  sha256   {self.sha256}",
            "  largest parts (unzipped):",
        ]
        ranked = sorted(self.groups.items(), key=lambda kv: (-kv[1], kv[0]))
        for name, size in ranked[:top]:
            lines.append(f"    {_mb(size):>8}  {name}")
        if len(ranked) > top:
            rest = sum(size for _, size in ranked[top:])
            lines.append(f"    {_mb(rest):>8}  ({len(ranked) - top} more)")
        return "\n".join(lines)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.2f} MB"


_PIN = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!_-]+)((?:\s+--hash=sha256:[0-9a-f]{64})*)"
)


def _logical_lines(text: str) -> Iterator[str]:
    """Lines with comments removed and backslash continuations joined, as pip reads them."""
    pending = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("--hash") else raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def read_pins(path: Path = REQUIREMENTS) -> list[Pin]:
    """``name==version [--hash=sha256:...]`` lines; anything looser would break
    reproducibility, so it is refused. The build requires the hashes (see :func:`verified_wheels`)."""
    pins = []
    for line in _logical_lines(path.read_text(encoding="utf-8")):
        match = _PIN.fullmatch(line)
        if not match:
            raise BuildError(
                f"{path.name}: '{line[:120]}' is not pinned as name==version [--hash=sha256:<hex>]"
            )
        hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", match.group(3)))
        pin = Pin(match.group(1), match.group(2), hashes)
        if _normalise(pin.name) in RUNTIME_PROVIDED:
            raise BuildError(f"{path.name}: {pin.name} is provided by the Lambda runtime; do not ship it")
        pins.append(pin)
    return pins


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Wheel:
    pin: Pin
    path: Path
    sha256: str

    def record(self) -> dict[str, str]:
        return {
            "name": self.pin.name,
            "version": self.pin.version,
            "wheel": self.path.name,
            "sha256": self.sha256,
        }


def verified_wheels(pins: list[Pin], folder: Path) -> list[Wheel]:
    """The cached wheel of each pin, each file checked against the pin's hashes.

    The cache is trusted by content, not by name: any file named like a pinned wheel whose
    sha256 is not listed fails the build, so a replaced or tampered wheel is never shipped.
    """
    chosen = []
    for pin in pins:
        if not pin.hashes:
            raise BuildError(
                f"requirements.txt: {pin.name}=={pin.version} has no --hash=sha256:...; the build "
                "installs only wheels whose hash is pinned"
            )
        candidates = sorted(p for p in folder.glob("*.whl") if p.name.lower().startswith(pin.wheel_prefix))
        if not candidates:
            raise BuildError(f"wheel cache {folder}: no wheel for {pin.name}=={pin.version}")
        for candidate in candidates:
            digest = file_sha256(candidate)
            if digest not in pin.hashes:
                raise BuildError(
                    f"wheel cache: {candidate.name} has sha256 {digest}, which requirements.txt does "
                    f"not list for {pin.name}=={pin.version}: the file was replaced or tampered with; "
                    f"delete {candidate} and build again"
                )
        chosen.append(Wheel(pin, candidates[0], file_sha256(candidates[0])))
    return chosen


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pip(args: list[str]) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    proc = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        detail = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("WARNING"))
        raise BuildError(f"pip {args[0]} failed:\n{detail[-3000:]}")


def _platform_args(arch: str, python_version: str) -> list[str]:
    return [
        "--platform",
        PLATFORMS[arch],
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-deps",
    ]


def ensure_wheels(pins: list[Pin], arch: str, cache: Path, python_version: str = PYTHON_VERSION) -> Path:
    """Download missing wheels for the platform into the cache; a full cache needs no network."""
    folder = cache / f"{PLATFORMS[arch]}-cp{python_version.replace('.', '')}"
    folder.mkdir(parents=True, exist_ok=True)
    present = [p.name.lower() for p in folder.glob("*.whl")]
    missing = [pin for pin in pins if not any(name.startswith(pin.wheel_prefix) for name in present)]
    if missing:
        _pip(
            [
                "download",
                "--quiet",
                "--dest",
                str(folder),
                *_platform_args(arch, python_version),
                *[f"{pin.name}=={pin.version}" for pin in missing],
            ]
        )
    return folder


def install_site(
    pins: list[Pin], wheels: Path, target: Path, arch: str, python_version: str = PYTHON_VERSION
) -> list[Wheel]:
    """Install the verified cached wheels into ``target`` offline, without byte-compiling.

    pip is given the verified files themselves, not a name to look up, so what is installed
    is exactly what was hashed."""
    chosen = verified_wheels(pins, wheels)
    _pip(
        [
            "install",
            "--quiet",
            "--no-index",
            "--target",
            str(target),
            "--no-compile",
            *_platform_args(arch, python_version),
            *[str(wheel.path) for wheel in chosen],
        ]
    )
    return chosen


def _wanted(relative: Path) -> bool:
    parts = relative.parts
    if "__pycache__" in parts or relative.suffix in (".pyc", ".pyo") or relative.name == ".DS_Store":
        return False
    return not (len(parts) >= 2 and parts[-2].endswith(".dist-info") and parts[-1] in _DIST_INFO_DROP)


def _walk(base: Path, prefix: str = "") -> Iterator[tuple[str, Path]]:
    """(archive name, file) under ``base``, filtered."""
    for path in base.rglob("*"):
        if not path.is_file():
            continue
        relative = path.relative_to(base)
        if _wanted(relative):
            yield prefix + relative.as_posix(), path


#: Directories of a dependency that hold its own test suite (never imported at run time).
_UPSTREAM_TEST_DIRS = frozenset({"tests", "test", "testing"})


def upstream_test(name: str) -> bool:
    """Whether a dependency's archive entry is part of its test suite."""
    *folders, file = name.split("/")
    if any(folder in _UPSTREAM_TEST_DIRS for folder in folders):
        return True
    return file == "conftest.py" or bool(re.fullmatch(r"test_.*\.py|.*_test\.py", file))


def site_entries(site: Path) -> dict[str, Path]:
    """Archive entries of an installed ``pip --target`` site, without upstream test suites."""
    entries: dict[str, Path] = {}
    for name, path in _walk(site):
        top = name.split("/", 1)[0]
        if top == "bin":  # console scripts: carry the build machine's interpreter path
            continue
        if upstream_test(name):
            continue
        entries[name] = path
    return entries


def collect(root: Path, site: Path) -> dict[str, Path]:
    """Every archive entry: the tree's ``providers/`` and ``schemas/``, then the site."""
    entries = site_entries(site)
    for package in ("providers", "schemas"):
        source = root / package
        if not source.is_dir():
            raise BuildError(f"{source} is missing")
        for name, path in _walk(source, f"{package}/"):
            if name in entries:
                raise BuildError(f"{name} is both in the tree and in a dependency")
            entries[name] = path
    return entries


def write_zip(entries: dict[str, Path], destination: Path) -> tuple[int, dict[str, int]]:
    """Deterministic zip of ``entries``; returns (unzipped bytes, bytes per top-level part)."""
    buffer = io.BytesIO()
    unzipped = 0
    groups: dict[str, int] = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            data = entries[name].read_bytes()
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = _FILE_MODE
            info.create_system = 3  # unix, so the mode bits are honoured
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
            unzipped += len(data)
            groups[_group(name)] = groups.get(_group(name), 0) + len(data)
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_suffix(".zip.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(destination)
    return unzipped, groups


def _group(name: str) -> str:
    """Top-level part of an entry; all wheels' metadata counts as one part."""
    top = name.split("/", 1)[0]
    if top.endswith(".dist-info"):
        return "(wheel metadata)"
    return top + "/" if "/" in name else top


def build(
    *,
    root: Path = REPO,
    output_dir: Path = DEFAULT_OUTPUT,
    arch: str = "arm64",
    cache: Path = DEFAULT_CACHE,
    requirements: Path | None = None,
    python_version: str = PYTHON_VERSION,
    ca_source: rdsca.NpmSource = rdsca.RDS_CA,
) -> BuildResult:
    """Build ``<output_dir>/gapfill-providers.zip`` (and its JSON manifest), with the RDS
    certificate bundle (:mod:`gapfill.bundling.rdsca`) for ``Custom::PostgresSql``."""
    if arch not in PLATFORMS:
        raise BuildError(f"unknown architecture '{arch}' (choose {', '.join(PLATFORMS)})")
    pins = read_pins(requirements or root / "packaging" / "requirements.txt")
    wheels = ensure_wheels(pins, arch, cache, python_version)
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="site-", dir=cache) as tmp:
        site = Path(tmp)
        installed = install_site(pins, wheels, site, arch, python_version)
        entries = collect(root, site)
        bundle = Path(tmp) / "ca" / rdsca.BUNDLE_ENTRY
        try:
            ca_record = rdsca.write_bundle(cache, bundle, ca_source)
        except rdsca.CaBundleError as exc:
            raise BuildError(f"RDS certificate bundle: {exc}") from exc
        entries[rdsca.BUNDLE_ENTRY] = bundle
        result = finish_zip(entries, output_dir / ZIP_NAME, arch)
        result.dependencies = [wheel.record() for wheel in installed]
        result.ca_bundle = ca_record
    (output_dir / MANIFEST_NAME).write_text(json.dumps(result.manifest(), indent=2) + "\n", encoding="utf-8")
    return result


def finish_zip(entries: dict[str, Path], destination: Path, arch: str) -> BuildResult:
    """Write the reproducible zip, measure it and refuse it if it is over Lambda's limits."""
    unzipped, groups = write_zip(entries, destination)
    data = destination.read_bytes()
    result = BuildResult(
        path=destination,
        arch=arch,
        sha256=hashlib.sha256(data).hexdigest(),
        zipped_bytes=len(data),
        unzipped_bytes=unzipped,
        files=len(entries),
        groups=groups,
    )
    check_limits(result.zipped_bytes, result.unzipped_bytes)
    return result


def check_limits(zipped: int, unzipped: int) -> None:
    """Fail the build rather than the deployment when a Lambda limit would be broken."""
    problems = []
    if zipped > MAX_ZIPPED:
        problems.append(f"zip is {_mb(zipped)}, over Lambda's {_mb(MAX_ZIPPED)} direct-upload limit")
    if unzipped > MAX_UNZIPPED:
        problems.append(f"unzipped size is {_mb(unzipped)}, over Lambda's {_mb(MAX_UNZIPPED)} limit")
    if problems:
        raise BuildError("; ".join(problems))


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


# -- runtime functions --------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    """A runtime function of the stacks: where its code starts and what it may depend on."""

    name: str
    #: The Lambda ``Handler`` the templates name; its module is where the import graph starts.
    handler: str
    #: Distributions (pinned in packaging/requirements.txt) installed into the zip.
    requirements: tuple[str, ...]
    #: A function whose handler is a root module (``lambda_function.lambda_handler``, as the
    #: QR upload specification names it): the files of ``functions/<source>/`` go to the zip's
    #: root, and the code may import nothing else from the tree.
    source: str = ""

    @property
    def package(self) -> str:
        return f"{FUNCTIONS_DIR}.{self.source or self.name}"

    @property
    def zip_name(self) -> str:
        return f"{self.name}.zip"


#: Every runtime function the stacks deploy (templates/chat.yaml, templates/connect.yaml).
FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "chat_usage",
        "functions.chat_usage.handler.lambda_handler",
        ("aws-lambda-powertools", "typing-extensions"),
    ),
    FunctionSpec(
        "agent_directory",
        "functions.agent_directory.handler.lambda_handler",
        ("aws-lambda-powertools", "typing-extensions"),
    ),
    # templates/qr-upload.yaml: code keys http_api_handler.zip and websocket_event_handler.zip.
    FunctionSpec("http_api_handler", "lambda_function.lambda_handler", (), source="qr_http_api"),
    FunctionSpec(
        "websocket_event_handler", "lambda_function.lambda_handler", (), source="qr_websocket_event"
    ),
)


def function_spec(name: str) -> FunctionSpec:
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise BuildError(f"unknown function '{name}' (choose {', '.join(s.name for s in FUNCTIONS)})")


def module_file(root: Path, dotted: str) -> Path | None:
    """The file that defines module ``dotted`` in the tree (package ``__init__`` or module)."""
    base = root.joinpath(*dotted.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path) -> tuple[set[str], set[str]]:
    """(modules that must exist, modules that exist only if ``from x import name`` named one).

    Every import statement counts, including those inside functions: a lazy import runs in
    Lambda too.
    """
    module = _module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    required: set[str] = set()
    maybe: set[str] = set()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise BuildError(f"{path.relative_to(root)}: {exc}") from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            required.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".") if package else []
                if node.level - 1 > len(anchor):
                    raise BuildError(f"{path.relative_to(root)}: relative import beyond the tree")
                base_parts = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            required.add(base)
            maybe.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    required.discard("__future__")
    return required, maybe


def code_closure(root: Path, start: list[str]) -> tuple[dict[str, Path], set[str]]:
    """Tree files reachable by import from the ``start`` modules, and the third-party
    top-level names they import. Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so their
    ``__init__`` files are reachable too."""
    files: dict[str, Path] = {}
    third_party: set[str] = set()
    seen: set[str] = set()
    todo = list(start)
    while todo:
        dotted = todo.pop()
        if dotted in seen:
            continue
        seen.add(dotted)
        top = dotted.split(".", 1)[0]
        if top in NEVER_SHIPPED:
            raise BuildError(f"runtime code imports {dotted}, which never ships to Lambda")
        if top not in FIRST_PARTY:
            third_party.add(top)
            continue
        parts = dotted.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            path = module_file(root, name)
            if path is None:
                raise BuildError(f"module {name} is imported but is not in the tree")
            entry = path.relative_to(root).as_posix()
            if entry in files:
                continue
            files[entry] = path
            required, maybe = imports_of(root, path)
            todo.extend(required)
            todo.extend(m for m in maybe if m.split(".", 1)[0] in FIRST_PARTY and module_file(root, m))
            data = MODULE_DATA.get(name)
            if data:
                for data_name, data_path in _walk(root / data, f"{data}/"):
                    files[data_name] = data_path
    return files, third_party


def function_sources(root: Path, spec: FunctionSpec) -> tuple[dict[str, Path], set[str]]:
    """The tree's part of a function zip: its whole package (data files included), plus
    every tree module reachable from any of its modules."""
    package_dir = root.joinpath(*spec.package.split("."))
    if not package_dir.is_dir():
        raise BuildError(f"{package_dir} is missing")
    if spec.source:
        return _root_module_sources(root, spec, package_dir)
    handler_module = spec.handler.rpartition(".")[0]
    if module_file(root, handler_module) is None:
        raise BuildError(f"{spec.name}: handler module {handler_module} is not in the tree")
    entries = dict(_walk(package_dir, f"{package_dir.relative_to(root).as_posix()}/"))
    start = [_module_name(root, path) for name, path in entries.items() if name.endswith(".py")]
    code, third_party = code_closure(root, [handler_module, *start])
    entries.update(code)
    return entries, third_party


def _root_module_sources(
    root: Path, spec: FunctionSpec, package_dir: Path
) -> tuple[dict[str, Path], set[str]]:
    """A root-module function: its package's files at the zip root, importing no tree code."""
    handler_module = spec.handler.rpartition(".")[0]
    if not (package_dir / f"{handler_module}.py").is_file():
        raise BuildError(f"{spec.name}: handler module {handler_module}.py is not in {package_dir}")
    entries = {name: path for name, path in _walk(package_dir) if name != "__init__.py"}
    code, third_party = code_closure(root, [f"{spec.package}.{handler_module}"])
    own = spec.package.replace(".", "/") + "/"
    tree = sorted(n for n in code if not n.startswith(own) and n != f"{FUNCTIONS_DIR}/__init__.py")
    if tree:
        raise BuildError(
            f"{spec.name}: a root-module function may import nothing from the tree ({', '.join(tree)})"
        )
    return entries, third_party


def _top_level_names(site: Path) -> set[str]:
    names = set()
    for path in site.iterdir():
        if path.name.endswith((".dist-info", ".data")) or path.name in ("bin", "__pycache__"):
            continue
        names.add(path.stem if path.suffix in (".py", ".so", ".pth") else path.name)
    return names


def _unconditional_requirements(site: Path) -> dict[str, list[str]]:
    """``{distribution: [required distributions]}`` from the installed wheels' metadata,
    leaving out extras and environment-marked requirements."""
    needs: dict[str, list[str]] = {}
    for metadata in sorted(site.glob("*.dist-info/METADATA")):
        name = ""
        wanted: list[str] = []
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break  # the body (long description) starts after the first blank line
            if line.startswith("Name:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("Requires-Dist:"):
                requirement = line.split(":", 1)[1].strip()
                if ";" in requirement:
                    continue
                match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
                if match:
                    wanted.append(match.group(0))
        needs[name] = wanted
    return needs


def check_function_site(spec: FunctionSpec, site: Path, third_party: set[str]) -> None:
    """Fail the build when the code imports, or a shipped wheel requires, what the zip lacks."""
    available = _top_level_names(site) | RUNTIME_MODULES | set(sys.stdlib_module_names)
    missing = sorted(third_party - available)
    if missing:
        raise BuildError(
            f"{spec.name}: the code imports {', '.join(missing)}, which is neither in the Lambda "
            "runtime nor among the function's requirements"
        )
    installed = {_normalise(n) for n in _unconditional_requirements(site)}
    for distribution, wanted in _unconditional_requirements(site).items():
        lacking = sorted(w for w in wanted if _normalise(w) not in installed | RUNTIME_PROVIDED)
        if lacking:
            raise BuildError(
                f"{spec.name}: {distribution} requires {', '.join(lacking)}; add it to the function's "
                "requirements (and pin it in packaging/requirements.txt)"
            )


def _select_pins(pins: list[Pin], spec: FunctionSpec) -> list[Pin]:
    by_name = {_normalise(p.name): p for p in pins}
    chosen = []
    for requirement in spec.requirements:
        pin = by_name.get(_normalise(requirement))
        if pin is None:
            raise BuildError(f"{spec.name}: requirement {requirement} is not pinned in requirements.txt")
        chosen.append(pin)
    return chosen


def build_functions(
    *,
    root: Path = REPO,
    output_dir: Path = DEFAULT_OUTPUT,
    arch: str = "arm64",
    cache: Path = DEFAULT_CACHE,
    requirements: Path | None = None,
    python_version: str = PYTHON_VERSION,
    names: tuple[str, ...] | None = None,
) -> list[BuildResult]:
    """Build ``<output_dir>/functions/<name>.zip`` (and ``<name>.json``) for each function."""
    if arch not in PLATFORMS:
        raise BuildError(f"unknown architecture '{arch}' (choose {', '.join(PLATFORMS)})")
    specs = [function_spec(n) for n in names] if names is not None else list(FUNCTIONS)
    pins = read_pins(requirements or root / "packaging" / "requirements.txt")
    chosen = {spec.name: _select_pins(pins, spec) for spec in specs}
    wanted = {pin for spec_pins in chosen.values() for pin in spec_pins}
    wheels = ensure_wheels(sorted(wanted, key=lambda p: p.name), arch, cache, python_version)
    folder = output_dir / FUNCTIONS_DIR
    results = []
    for spec in specs:
        sources, third_party = function_sources(root, spec)
        with tempfile.TemporaryDirectory(prefix="site-", dir=cache) as tmp:
            site = Path(tmp)
            installed = (
                install_site(chosen[spec.name], wheels, site, arch, python_version)
                if chosen[spec.name]
                else []
            )
            check_function_site(spec, site, third_party)
            entries = site_entries(site)
            for name, path in sources.items():
                if name in entries:
                    raise BuildError(f"{name} is both in the tree and in a dependency")
                entries[name] = path
            result = finish_zip(entries, folder / spec.zip_name, arch)
            result.dependencies = [wheel.record() for wheel in installed]
        manifest = {**result.manifest(), "handler": spec.handler}
        (folder / f"{spec.name}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        results.append(result)
    return results
