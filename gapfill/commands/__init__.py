"""``gapfill`` subcommands: one module each, exposing ``register(subparsers)``.

Each module adds its parser and sets ``func`` (``(args) -> int``) as the default; the CLI
imports them lazily by name so a missing optional dependency only affects its command.
"""

COMMANDS = (
    "gapfill.commands.emulator",
    "gapfill.commands.invoke",
    "gapfill.commands.deploy",
    "gapfill.commands.lint",
    "gapfill.commands.package",
    "gapfill.commands.docs",
    "gapfill.commands.sam_template",
    "gapfill.commands.flows",
    "gapfill.commands.publish",
    "gapfill.commands.drift",
)
