"""The embedded AWS emulator: moto server on loopback, plus the Amazon Connect
operations moto lacks (see :mod:`gapfill.emulator.connect`)."""

from gapfill.emulator.server import Emulator, start_emulator

__all__ = ["Emulator", "start_emulator"]
