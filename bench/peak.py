"""A process's own peak RSS, as Linux counts it since the process started its program.

ru_maxrss is no use for a benchmark's child processes: Linux carries it across fork and exec,
so a child reports the peak of the parent that forked it when that was higher (a parent that
has just written a large estate, say).
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss(pid: int | str = "self") -> int | None:
    """VmHWM of `pid` in bytes; None when the process is gone. Without /proc (not Linux), this
    process's ru_maxrss."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 if pid == "self" else None
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None
