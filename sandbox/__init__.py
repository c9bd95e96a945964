"""The offline sandbox: the emulator, the real bot, and a console to play the members.

It drives the bot from outside, as the tests do, so nothing under `bot/` or `cogs/`
imports it: the command line loads it only for `sandbox`, or `run` without a token.
"""

from sandbox.console import run_sandbox

__all__ = ["run_sandbox"]
