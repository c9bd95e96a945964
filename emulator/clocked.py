"""`python -m emulator.clocked CLOCK_FILE ARGS`: moot's own command line (`python -m bot
ARGS`, unchanged), with the bot on the time written in CLOCK_FILE (a FileClock) instead of
the system clock. Tests and benchmarks that run the bot as its own process move that time
from outside; a production process never needs this."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.__main__ import main
from emulator.clock import FileClock

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m emulator.clocked CLOCK_FILE [moot arguments]")
    sys.exit(main(sys.argv[2:], clock=FileClock(Path(sys.argv[1]))))
