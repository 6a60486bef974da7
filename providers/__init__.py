"""gapfill's custom-resource providers (the code that ships to Lambda).

``__version__`` is the project's one version (semantic: MAJOR.MINOR.PATCH). Everything else
reads it from here: the package metadata (pyproject.toml, dynamically), ``gapfill --version``,
the zip's manifest, the providers' SAM template (its description, ``Metadata`` and the
``v<MAJOR>`` Lambda aliases behind the exported ServiceTokens) and the docs. It lives in the
runtime package, not in ``gapfill/``, because the deployed code must know its own version
(it is in every log line) and ``gapfill/`` never ships. CHANGELOG.md says what makes a change
major.
"""

__version__ = "1.0.0"
