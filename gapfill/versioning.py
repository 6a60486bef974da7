"""The project's semantic version as the packaging sees it: which major a ServiceToken pins.

A ServiceToken can never change on an existing custom resource, so the token a stack imports
names the major it was written for (``<stack>-v<MAJOR>-<Type>-ServiceToken``, a Lambda alias
``v<MAJOR>``); minor and patch releases move that alias, a new major gets new ones. CHANGELOG.md
holds the rules for what is major.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from providers import __version__

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """``1.2.3`` (no pre-release or build part: the Serverless Application Repository's
        SemanticVersion takes plain numbers, and one version must fit every consumer)."""
        match = _SEMVER.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"'{text}' is not a semantic version MAJOR.MINOR.PATCH")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def alias(self) -> str:
        """The Lambda alias (and export infix) of this version's major: ``v1``."""
        return f"v{self.major}"

    def next_minor(self) -> Version:
        return Version(self.major, self.minor + 1, 0)

    def next_major(self) -> Version:
        return Version(self.major + 1, 0, 0)


def current() -> Version:
    return Version.parse(__version__)
