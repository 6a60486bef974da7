"""Reference pages generated from ``schemas/`` (one per type) and ``docs/examples/``."""
