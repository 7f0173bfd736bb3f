"""The APPSYNC_JS shim: the JS that gives resolver code `@aws-appsync/utils` and `engine.py` its
entry points, kept in fragments named after what they hold.

The fragments run as one function body, `SOURCE`, joined once at import without their
comment-only lines: the names they share stay private to the shim, out of resolver code's reach
(globals would not be), and each new context still compiles one script, so the split costs
nothing per context or per call. A fragment's top-level code may use only what earlier
fragments declare (`const` and `class` are not hoisted), hence the order.
"""

from __future__ import annotations

import json
from pathlib import Path

FRAGMENTS = (
    "core.js",  # shared builtins, the abort sentinels, the call's state, helpers
    "ids.js",  # the seeded generator; util.autoId, autoUlid, autoKsuid
    "encoding.js",  # UTF-8, base64, JS escaping, URL encoding
    "http.js",  # util.http and the response headers
    "lazy.js",  # compiling the lazy units on first use
    "util.js",  # util (with str, math), runtime, extensions
    "modules.js",  # console, the importable modules, handler registration
    "calls.js",  # one-phase calls, and the run and answer both kinds share
    "two_phase.js",  # begin and finish, the ctx parked between them
)
"""The shim's fragments, in the order they run."""

LAZY_UNITS = {
    "time": (("time.js",), "time"),  # util.time: Java date patterns, time zones
    # util.dynamodb and @aws-appsync/utils/dynamodb's builders; util.transform's filters
    "data": (("dynamodb.js", "transform.js"), "dynamodb, ddbModule, transform"),
}
"""Units compiled on first use (lazy.js): their fragments, and the names they export."""

_SHARED = "g, isNull, isMap, isArray, hasOwn, parse, stringify, zoneTables"


def code_lines(text: str) -> str:
    """`text` without its blank lines and its comment-only lines (`//` or a `/* … */` block).

    QuickJS keeps each function's text (for `toString`), and comment text costs memory in every
    new context: stripped, these fragments take ~12 KiB less RSS per thread context. A comment
    after code on the same line is kept.
    """
    kept = []
    in_block = False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if in_block or stripped.startswith("/*"):
            in_block = not stripped.endswith("*/")
        elif stripped and not stripped.startswith("//"):
            kept.append(line)
    return "".join(kept)


def _source() -> str:
    folder = Path(__file__).parent
    parts = ["(function (g) {\n'use strict';\n"]
    lazy = {
        unit: "'use strict';\n"
        f"const {{ {_SHARED} }} = shared;\n"
        + "".join(code_lines((folder / name).read_text(encoding="utf-8")) for name in names)
        + f"return {{ {exports} }};\n"
        for unit, (names, exports) in LAZY_UNITS.items()
    }
    parts.append(f"const LAZY_SOURCES = {json.dumps(lazy)};\n")
    parts.extend(code_lines((folder / name).read_text(encoding="utf-8")) for name in FRAGMENTS)
    parts.append("})(globalThis);\n")
    return "".join(parts)


SOURCE = _source()
"""The fragments as the one script each context evaluates."""
