"""Top frames of a py-spy collapsed-stack profile (bench/out/profile-*.txt): self and total."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def top(path: Path, count: int = 25) -> str:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack:
            continue
        weight = int(number)
        samples += weight
        frames = stack.split(";")
        own[frames[-1]] += weight
        for frame in set(frames):
            total[frame] += weight
    lines = [f"{path.name}: {samples} samples", "self:"]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in own.most_common(count)]
    lines.append("total (inclusive):")
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in total.most_common(count)]
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(top(Path(name)))
