"""gapfill tooling: the CLI, the emulator, the bundler and the linters (never shipped to Lambda)."""

from providers import __version__

__all__ = ["__version__"]
