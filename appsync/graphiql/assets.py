"""The files the GraphiQL page loads, served from this machine: the npm packages' browser builds
and the page's own scripts and styles. Nothing is fetched from the internet.

Each is asked for as `/graphql/assets/<name>?v=<digest>`: the digest names the content, so the
browser may keep a file for a year and still gets a new one the moment `npm ci` installs another
version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

__all__ = ["ASSET_PATH", "OWN_ASSETS", "AssetStore"]

ASSET_PATH = "/graphql/assets"
_STATIC = Path(__file__).resolve().parent / "static"
# The page's own files, in the order the page loads them.
OWN_ASSETS = ("panel.css", "sigv4.js", "realtime.js", "auth.js", "main.js")
_CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class _Stamp:
    mtime_ns: int
    size: int
    digest: str


class AssetStore:
    """The assets by name, their digests, and their HTTP answers.

    Args:
        vendor: the npm packages' files by asset name; None when none were configured.

    Raises:
        ValueError: an asset is neither a script nor a style sheet.
    """

    def __init__(self, vendor: Mapping[str, Path] | None) -> None:
        self.configured = vendor is not None
        self._files = {name: _STATIC / name for name in OWN_ASSETS}
        self._files.update(vendor or {})
        unknown = sorted(n for n, p in self._files.items() if p.suffix not in _CONTENT_TYPES)
        if unknown:
            raise ValueError(f"GraphiQL assets must be .js or .css files: {', '.join(unknown)}")
        self._stamps: dict[str, _Stamp] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """Every asset the page may ask for."""
        return tuple(self._files)

    def path(self, name: str) -> Path:
        """Where the asset `name` is read from."""
        return self._files[name]

    def missing(self) -> list[Path]:
        """The files that are not there (looked up on every page, so `npm ci` needs no
        restart)."""
        return [path for path in self._files.values() if not path.is_file()]

    def url(self, name: str) -> str:
        """The asset's path and digest, as the page refers to it."""
        return f"{ASSET_PATH}/{name}?v={self.digest(name)}"

    def digest(self, name: str) -> str:
        """The first 16 hex digits of the file's SHA-256, computed again when the file changes."""
        stat = self._files[name].stat()
        stamp = self._stamps.get(name)
        if stamp is None or (stamp.mtime_ns, stamp.size) != (stat.st_mtime_ns, stat.st_size):
            digest = hashlib.sha256(self._files[name].read_bytes()).hexdigest()[:16]
            stamp = _Stamp(stat.st_mtime_ns, stat.st_size, digest)
            self._stamps[name] = stamp
        return stamp.digest

    async def serve(self, request: Request) -> Response:
        """`GET /graphql/assets/<name>`: the file, kept for a year when asked for by its current
        digest; by any other digest it is sent but not kept, as that URL names other content."""
        name = request.path_params["name"]
        path = self._files.get(name)
        if path is None or not path.is_file():
            return PlainTextResponse("Not Found", status_code=404)
        current = request.query_params.get("v") == self.digest(name)
        return FileResponse(
            path,
            media_type=_CONTENT_TYPES[path.suffix],
            headers={"cache-control": _FOREVER if current else "no-cache"},
        )
