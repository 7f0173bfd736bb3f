"""The checkout page's JavaScript as a browser downloads it: each built file's size, raw and
gzipped, and the total, against the goal of 300 KB gzipped.

Build it first (`make web`, or `npm run build` in web/), then:

    python -m bench.web_bundle
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
GOAL_GZIPPED = 300 * 1024


def sizes(dist: Path = DIST) -> list[tuple[str, int, int]]:
    """(path under dist, raw bytes, gzipped bytes) of every built JavaScript file."""
    found = []
    for path in sorted(dist.rglob("*.js")):
        body = path.read_bytes()
        found.append((str(path.relative_to(dist)), len(body), len(gzip.compress(body, 9))))
    return found


def main() -> int:
    files = sizes()
    if not files:
        print(f"no JavaScript under {DIST}: build the page first (make web)")
        return 1
    width = max(len(name) for name, _, _ in files)
    for name, raw, zipped in files:
        print(f"{name:<{width}}  {raw / 1024:8.1f} KB  {zipped / 1024:7.1f} KB gzipped")
    raw_total = sum(raw for _, raw, _ in files)
    gzip_total = sum(zipped for _, _, zipped in files)
    verdict = "within" if gzip_total <= GOAL_GZIPPED else "OVER"
    print(
        f"{'total':<{width}}  {raw_total / 1024:8.1f} KB  {gzip_total / 1024:7.1f} KB gzipped"
        f" ({verdict} the {GOAL_GZIPPED // 1024} KB goal)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
