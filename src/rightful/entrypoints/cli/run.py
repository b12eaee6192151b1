"""The `rightful` console script: Ctrl-C while the commands are still loading ends it as Ctrl-C
during a command does ("Aborted!", exit code 1).

Loading every command takes a second or two; an interrupt then arrived before Click could
catch it and printed a traceback of the imports.
"""

from __future__ import annotations

import sys

INTERRUPTED = 1  # Click's code for an aborted command


def main() -> None:
    try:
        from rightful.entrypoints.cli.main import app
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")
        sys.exit(INTERRUPTED)
    app()
