"""Template linting: cfn-lint plus gapfill's rules for ``Custom::`` resources (see ``rules``)."""

from gapfill.lint.runner import Finding, exit_code, expand, lint_paths

__all__ = ["Finding", "exit_code", "expand", "lint_paths"]
