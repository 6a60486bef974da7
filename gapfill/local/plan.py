"""Which templates the local job plays, with which parameter file, under which stack name."""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = Path(__file__).resolve().parent / "seed"
#: What the job plays without --template: (template, its local parameter file in seed/).
APPLICATIONS = (
    ("main.yaml", "local-parameters.json"),
    ("qr-upload.yaml", "qr-upload-local-parameters.json"),
    ("concert-platform/platform.yaml", "concert-platform-local-parameters.json"),
)


def plays(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """(template, parameter file) pairs to play: the one asked for, or every application."""
    template = getattr(args, "template", None)
    given = getattr(args, "parameters", None)
    if template is None:
        return [
            (ROOT / "templates" / name, Path(given) if given and name == "main.yaml" else SEED_DIR / params)
            for name, params in APPLICATIONS
        ]
    path = Path(template)
    if given:
        return [(path, Path(given))]
    defaults = dict(APPLICATIONS)
    key = _application_key(path)
    own = path.parent / "parameters" / "local.json"  # an application in its own folder
    if key not in defaults and own.is_file():
        return [(path, own)]
    return [(path, SEED_DIR / defaults.get(key, "local-parameters.json"))]


def _application_key(path: Path) -> str:
    """A template's key in APPLICATIONS: its path under templates/, so that a template in a
    subfolder (concert-platform/platform.yaml) finds its own parameters, not a namesake's."""
    resolved, templates = path.resolve(), ROOT / "templates"
    return resolved.relative_to(templates).as_posix() if resolved.is_relative_to(templates) else path.name


def stack_name(template: Path) -> str:
    """The root stack's name: the contact centre's is the one the README's commands use."""
    return "gapfill-local" if template.name == "main.yaml" else f"gapfill-local-{template.stem}"


def relative(path: Path) -> str:
    """A path as the progress lines show it: under the repository when it is there."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
