"""The `rightful` console script: Ctrl-C while the commands are still loading ends it quietly.

Loading every command takes a second or two; an interrupt then arrived before Click could
catch it and printed a traceback of the imports.
"""

from __future__ import annotations

import sys

INTERRUPTED = 130  # the shell's code for a command ended by SIGINT


def main() -> None:
    try:
        from rightful.entrypoints.cli.main import app
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        sys.exit(INTERRUPTED)
    app()
