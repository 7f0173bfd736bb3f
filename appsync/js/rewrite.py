"""Turn an APPSYNC_JS ES module into a script that registers its `request` and `response`.

AppSync takes one bundled ES module per resolver, whose only imports are `@aws-appsync/utils`
and its submodules, and which exports `request(ctx)` and `response(ctx)`. Instead of a module
loader, the module is rewritten into a plain script:

* each import becomes a `const` destructuring of the runtime's module object, placed on the
  script's first line (imports are hoisted in a module, so they are here too);
* the import statements and `export` keywords are blanked out with spaces, so every other
  character keeps its line and column, and QuickJS's error locations map back to the file;
* the body runs inside a strict-mode function, so many resolvers share one JS context without
  name clashes, and the function hands `{request, response}` to `__appsync_register`.

What AppSync refuses when a resolver is saved, and is cheap to see here, is refused with a
`RewriteError`: code over 32 KB, `export default`, re-exports, imports of any other module or of
names the module does not provide, a missing `request` or `response` export, and the syntax
APPSYNC_JS does not support (`restrictions.py`, which also instruments loops for the
1,000-iteration limit). Time zones the code names get their offset tables (`zones.py`).

This module walks the module's top level and assembles the script; the passes it hands
statements to are `imports.py` and `exports.py`, both over the module as edited so far
(`module_edit.py`, which also holds `RewriteError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from appsync.js.exports import ExportRewriting
from appsync.js.imports import ImportRewriting
from appsync.js.lexer import LexError, Token, line_column
from appsync.js.module_edit import RewriteError
from appsync.js.restrictions import RefusalError, check
from appsync.js.zones import registrations

MAX_CODE_BYTES = 32_768
"""AppSync's limit on the size of a resolver's code."""

HANDLERS = ("request", "response")


@dataclass(frozen=True)
class Script:
    """A module rewritten into a script for one resolver id."""

    resolver_id: str
    text: str
    line_offset: int
    """Script line minus this offset is the module's line."""
    exports: frozenset[str]
    uses_throw: bool
    """The code has a `throw` statement (a thrown `null` is then not necessarily out-of-memory)."""


class _Rewriter(ImportRewriting, ExportRewriting):
    """Walks the module's top level, handing each import and export statement to its pass.

    The passes edit the same tokens and characters, so each is a mixin over `ModuleEdit`.
    """

    def run(self) -> tuple[str, bool]:
        """Rewrite the body; the import bindings and exports are left on `self`."""
        depth = 0
        uses_throw = False
        i = 0
        previous: Token | None = None
        while i < len(self.tokens):
            token = self.tokens[i]
            member = previous is not None and previous.text in (".", "?.")
            if token.kind == "punct":
                if token.text in ("{", "(", "["):
                    depth += 1
                elif token.text in ("}", ")", "]"):
                    depth -= 1
                    self.balanced = self.balanced and depth >= 0
            elif token.kind == "name" and not member:
                if token.text == "throw":
                    uses_throw = True
                elif token.text == "import":
                    following = self._at(i + 1)
                    if following is not None and following.text == "(":
                        raise self._error("Dynamic import() is not supported", token)
                    if depth == 0 and (following is None or following.text != "."):
                        i = self._import(i)
                        previous = self.tokens[i - 1]
                        continue
                elif token.text == "export" and depth == 0:
                    i = self._export(i)
                    previous = self.tokens[i - 1]
                    continue
            previous = token
            i += 1
        self.balanced = self.balanced and depth == 0
        return "".join(self.chars), uses_throw


def to_script(resolver_id: str, source: str, *, modules: Mapping[str, frozenset[str]]) -> Script:
    """Rewrite an APPSYNC_JS module into a script that registers it under `resolver_id`.

    Args:
        resolver_id: the key the handlers are registered under (for example `Query.me`).
        source: the module's text, unmodified.
        modules: the importable module names and the names each one exports.

    Returns:
        The script, and what the rewrite learnt about the module.

    Raises:
        RewriteError: the module is refused, with the reason and, when known, its location.
    """
    size = len(source.encode("utf-8"))
    if size > MAX_CODE_BYTES:
        raise RewriteError(
            f"The code is {size} bytes, over the maximum code size of {MAX_CODE_BYTES} bytes"
        )
    try:
        rewriter = _Rewriter(source, modules)
        body, uses_throw = rewriter.run()
    except LexError as exc:
        line, column = line_column(source, exc.offset)
        raise RewriteError(exc.message, line=line, column=column) from None
    chars = rewriter.chars
    tokens = rewriter.tokens
    try:
        # Tokens of import and export statements were blanked out by the rewrite.
        checked = check(tokens, lambda i: chars[tokens[i].start] != source[tokens[i].start])
    except RefusalError as exc:
        line, column = line_column(source, exc.token.start)
        raise RewriteError(f"Unsupported syntax: {exc.reason}", line=line, column=column) from None
    for offset, text in checked.insertions:
        chars[offset] += text  # after that character: other offsets stay valid
    if checked.insertions:
        body = "".join(chars)
    zones = registrations(token.text[1:-1] for token in tokens if token.kind == "string")
    exports = rewriter.exports
    for handler in HANDLERS:
        # Unbalanced brackets hide exports from this scan: leave it to the compiler's message.
        if handler not in exports and rewriter.balanced:
            raise RewriteError(
                f"The code must export a function named '{handler}' "
                f"(export function {handler}(ctx) {{ … }})"
            )
    handlers = ", ".join(f"{name}: {exports.get(name, name)}" for name in HANDLERS)
    loops = (
        "const __appsync_loop = globalThis.__appsync_loop; globalThis.__appsync_loop_reset(); "
        if checked.insertions
        else ""
    )
    prologue = (
        f"{zones}globalThis.__appsync_register({json.dumps(resolver_id)}, (function () {{ "
        f"'use strict'; {loops}{' '.join(rewriter.bindings)}"
    )
    epilogue = f"\n;return {{ {handlers} }};\n}})());\n"
    return Script(
        resolver_id=resolver_id,
        text=f"{prologue}\n{body}{epilogue}",
        line_offset=1,
        exports=frozenset(exports),
        uses_throw=uses_throw,
    )
