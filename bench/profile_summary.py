"""Summarise a py-spy profile (collapsed stacks, as `--profile DIR` writes them).

    python -m bench.profile_summary DIR/sqlite-latency-101500.txt [--self] [--top 40] [--within FRAME]

Prints the frames that most samples pass through (inclusive), or end in (`--self`), as a share
of all samples. Profiles are taken with `--idle`, so a frame that waits (a lock, a database
answer, a sleep) counts as much as one that computes: waiting is often the finding.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_SITE = re.compile(r" \(/.*?site-packages/")
_LINE = re.compile(r":\d+\)$")


def frame_name(frame: str) -> str:
    """`function (module path)` without the line number and the site-packages prefix."""
    return _LINE.sub(")", _SITE.sub(" (", frame))


def summarise(
    path: Path, *, own: bool = False, within: str | None = None
) -> tuple[int, Counter[str]]:
    """Total samples, and samples per frame (inclusive, or `own` time only)."""
    counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        frames = [frame_name(f) for f in stack.split(";")]
        if within and not any(within in f for f in frames):
            continue
        samples = int(number)
        total += samples
        if own:
            counts[frames[-1]] += samples
        else:
            for name in set(frames):
                counts[name] += samples
    return total, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_summary", description=__doc__)
    parser.add_argument("profile", type=Path)
    parser.add_argument("--self", dest="own", action="store_true", help="own time, not inclusive")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--within", help="only stacks through a frame containing this text")
    args = parser.parse_args(argv)
    total, counts = summarise(args.profile, own=args.own, within=args.within)
    print(f"{total} samples")
    for name, samples in counts.most_common(args.top):
        print(f"{100 * samples / max(total, 1):5.1f}%  {name[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
