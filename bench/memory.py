"""Peak resident memory of a process, per scenario, from /proc (Linux)."""

from __future__ import annotations

import contextlib
from pathlib import Path


def reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM) so the next reading covers one scenario only.

    Writing 5 to ``clear_refs`` does that (Linux 4.0+); it needs the process's owner or root.
    Returns False when the kernel refused: the peak then covers the process's whole life.
    """
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak RSS since start (or the last reset), in MiB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None
