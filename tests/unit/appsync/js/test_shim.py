"""The shim's fragments: all of them run, in order, with nothing but comments left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appsync.js import shim
from appsync.js.lexer import tokenize

FOLDER = Path(shim.__file__).parent


LAZY = [name for names, _exports in shim.LAZY_UNITS.values() for name in names]


def test_every_fragment_in_the_folder_is_listed_once() -> None:
    listed = [*shim.FRAGMENTS, *LAZY]
    assert sorted(listed) == sorted(path.name for path in FOLDER.glob("*.js"))
    assert len(set(listed)) == len(listed)


@pytest.mark.parametrize("name", [*shim.FRAGMENTS, *LAZY])
def test_leaving_out_comment_lines_keeps_every_token(name: str) -> None:
    text = (FOLDER / name).read_text(encoding="utf-8")
    stripped = shim.code_lines(text)
    assert len(stripped) < len(text)
    assert [(t.kind, t.text) for t in tokenize(stripped)] == [
        (t.kind, t.text) for t in tokenize(text)
    ]


def test_the_fragments_run_as_one_function_body_in_order() -> None:
    body = "".join(
        shim.code_lines((FOLDER / name).read_text(encoding="utf-8")) for name in shim.FRAGMENTS
    )
    expected_start = "(function (g) {\n'use strict';\nconst LAZY_SOURCES = {"
    assert shim.SOURCE.startswith(expected_start)
    assert shim.SOURCE.endswith(body + "})(globalThis);\n")


def test_lazy_units_hold_their_fragments_without_comment_lines() -> None:
    """Compiled on first use (lazy.js), so a new context does not pay for them."""
    for unit, (names, exports) in shim.LAZY_UNITS.items():
        text = "".join(shim.code_lines((FOLDER / n).read_text(encoding="utf-8")) for n in names)
        assert json.dumps(text)[1:-1] in shim.SOURCE, unit
        assert f"return {{ {exports} }};" in shim.SOURCE


def test_a_comment_after_code_is_kept_and_a_star_line_outside_a_comment_too() -> None:
    text = "/* head\n * more */\nconst a = 1 // why\n  * 2;\n// gone\n\n/* one line */\nb();\n"
    assert shim.code_lines(text) == "const a = 1 // why\n  * 2;\nb();\n"
