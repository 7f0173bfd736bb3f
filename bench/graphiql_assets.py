"""What a browser downloads the first time it opens GraphiQL: each asset the page loads, as
served (from the npm packages `make` installs, and the page's own files), and gzipped.

Each asset is asked for by its digest and kept for a year, so later visits download nothing.

    python -m bench.graphiql_assets
"""

from __future__ import annotations

import gzip

from appsync.graphiql.assets import OWN_ASSETS, AssetStore
from appsync.graphiql.config import VENDOR_ASSETS
from bnpl.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"


def main() -> None:
    store = AssetStore({name: NODE_MODULES / path for name, path in VENDOR_ASSETS.items()})
    missing = store.missing()
    if missing:
        raise SystemExit(f"missing (run `npm ci`): {', '.join(map(str, missing))}")
    total_raw = total_gzip = 0
    for name in (*VENDOR_ASSETS, *OWN_ASSETS):
        body = store.path(name).read_bytes()
        raw, packed = len(body), len(gzip.compress(body, compresslevel=6))
        total_raw += raw
        total_gzip += packed
        print(f"{name:<30} {raw / 1e3:>9.1f} kB  {packed / 1e3:>8.1f} kB gzipped")
    print(f"{'total':<30} {total_raw / 1e6:>9.2f} MB  {total_gzip / 1e6:>8.2f} MB gzipped")


if __name__ == "__main__":
    main()
