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
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from appsync.js.lexer import LexError, Token, line_column, tokenize
from appsync.js.restrictions import RefusalError, check
from appsync.js.zones import registrations

MAX_CODE_BYTES = 32_768
"""AppSync's limit on the size of a resolver's code."""

HANDLERS = ("request", "response")

_DECLARATION_KEYWORDS = frozenset({"const", "let", "var"})
_STATEMENT_KEYWORDS = frozenset(
    {"const", "let", "var", "function", "class", "if", "for", "while", "do", "return", "switch",
     "export", "import", "try", "throw", "break", "continue", "async"}
)  # fmt: skip


class RewriteError(ValueError):
    """The module cannot run as APPSYNC_JS: the reason, and where it is when known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


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


class _Rewriter:
    def __init__(self, source: str, modules: Mapping[str, frozenset[str]]) -> None:
        self.source = source
        self.modules = modules
        self.tokens = tokenize(source)
        self.chars = list(source)
        self.bindings: list[str] = []
        self.imported: dict[str, int] = {}
        self.exports: dict[str, str] = {}  # exported name -> local name
        self.balanced = True
        """Brackets pair up; if not, QuickJS will report the syntax error, with its location."""

    # ------------------------------------------------------------------ helpers
    def _error(self, message: str, token: Token | None) -> RewriteError:
        if token is None:
            return RewriteError(message)
        line, column = line_column(self.source, token.start)
        return RewriteError(message, line=line, column=column)

    def _at(self, index: int) -> Token | None:
        return self.tokens[index] if index < len(self.tokens) else None

    def _text(self, index: int) -> str:
        return self.tokens[index].text if index < len(self.tokens) else ""

    def _expect_name(self, index: int, what: str) -> str:
        token = self._at(index)
        if token is None or token.kind != "name":
            raise self._error(f"Unexpected token: expected {what}", token or self.tokens[-1])
        return token.text

    def _blank(self, start: int, end: int) -> None:
        # Keep line breaks, so every later character stays on its line.
        for i in range(start, end):
            if self.chars[i] not in "\r\n\u2028\u2029":
                self.chars[i] = " "

    def _statement_end(self, index: int) -> int:
        """Index past an optional `;` at `index`."""
        token = self._at(index)
        return index + 1 if token is not None and token.text == ";" else index

    # ------------------------------------------------------------------ imports
    def _import(self, index: int) -> int:
        first = self.tokens[index]
        i = index + 1
        token = self._at(i)
        if token is None:
            raise self._error("Unexpected end of input after 'import'", first)
        if token.kind == "string":  # import '@aws-appsync/utils'; (for its side effects)
            self._module(token)
            end = self._statement_end(i + 1)
            self._blank(first.start, self.tokens[end - 1].end)
            return end
        names, namespace, i = self._import_clause(i)
        if self._expect_name(i, "'from'") != "from":
            raise self._error("Unexpected token: expected 'from'", self.tokens[i])
        spec_token = self._at(i + 1)
        if spec_token is None or spec_token.kind != "string":
            raise self._error("Unexpected token: expected a module name", spec_token or first)
        spec = self._module(spec_token)
        after = self._at(i + 2)
        if after is not None and after.text in ("with", "assert") and not after.newline_before:
            raise self._error("Import attributes are not supported", after)
        for imported, _local in names:
            if imported not in self.modules[spec]:
                raise self._error(
                    f"The requested module '{spec}' does not provide an export named '{imported}'",
                    spec_token,
                )
        source = f"globalThis.__appsync_modules[{json.dumps(spec)}]"
        if namespace is not None:
            self._bind(namespace, first)
            self.bindings.append(f"const {namespace} = {source};")
        else:
            for _imported, local in names:
                self._bind(local, first)
            pattern = ", ".join(name if name == loc else f"{name}: {loc}" for name, loc in names)
            self.bindings.append(f"const {{ {pattern} }} = {source};")
        end = self._statement_end(i + 2)
        self._blank(first.start, self.tokens[end - 1].end)
        return end

    def _import_clause(self, i: int) -> tuple[list[tuple[str, str]], str | None, int]:
        """`{ a, b as c }` or `* as ns` at token `i`: (imported, local) pairs, namespace, next."""
        token = self.tokens[i]
        names: list[tuple[str, str]] = []
        if token.text == "*":
            if self._expect_name(i + 1, "'as'") != "as":
                raise self._error("Unexpected token: expected 'as'", self.tokens[i + 1])
            return names, self._expect_name(i + 2, "a namespace name"), i + 3
        if token.text == "{":
            return names, None, self._import_list(i + 1, names)
        if token.kind == "name":
            raise self._error(
                "Default imports are not supported: @aws-appsync/utils has no default export; "
                "use `import { util } from '@aws-appsync/utils'`",
                token,
            )
        raise self._error(f"Unexpected token {token.text!r} in import", token)

    def _import_list(self, i: int, names: list[tuple[str, str]]) -> int:
        while True:
            token = self._at(i)
            if token is not None and token.text == "}":
                return i + 1
            imported = self._expect_name(i, "an imported name")
            local = imported
            if self._text(i + 1) == "as":
                local = self._expect_name(i + 2, "a local name")
                i += 2
            names.append((imported, local))
            i += 1
            separator = self._at(i)
            if separator is not None and separator.text == ",":
                i += 1
            elif separator is None or separator.text != "}":
                raise self._error("Unexpected token: expected ',' or '}'", separator or token)

    def _module(self, token: Token) -> str:
        spec = token.text[1:-1]
        if spec not in self.modules:
            allowed = ", ".join(f"'{name}'" for name in sorted(self.modules))
            raise self._error(
                f"Cannot find module '{spec}': APPSYNC_JS code may only import {allowed}", token
            )
        return spec

    def _bind(self, local: str, token: Token) -> None:
        if local in self.imported:
            raise self._error(f"Identifier '{local}' has already been declared", token)
        self.imported[local] = token.start

    # ------------------------------------------------------------------ exports
    def _export(self, index: int) -> int:
        first = self.tokens[index]
        token = self._at(index + 1)
        if token is None:
            raise self._error("Unexpected end of input after 'export'", first)
        if token.text == "default":
            raise self._error(
                "export default is not supported: APPSYNC_JS code exports named functions "
                "`request` and `response`",
                first,
            )
        if token.text == "*":
            raise self._error("Re-exporting another module is not supported", first)
        if token.text == "{":
            return self._export_list(index, index + 2)
        self._blank(first.start, first.end)
        i = index + 1
        if token.text == "async":
            i += 1
        keyword = self._expect_name(i, "a declaration")
        if keyword in ("function", "class"):
            name_index = i + 2 if self._text(i + 1) == "*" else i + 1
            name = self._expect_name(name_index, "a name")
            self.exports[name] = name
            return name_index + 1
        if keyword in _DECLARATION_KEYWORDS:
            for name in self._declared_names(i + 1):
                self.exports[name] = name
            return i + 1
        raise self._error(f"Unexpected token {keyword!r} after 'export'", self.tokens[i])

    def _export_list(self, index: int, i: int) -> int:
        pairs: list[tuple[str, str]] = []
        while True:
            token = self._at(i)
            if token is not None and token.text == "}":
                break
            local = self._expect_name(i, "an exported name")
            public = local
            if self._text(i + 1) == "as":
                public = self._expect_name(i + 2, "an exported name")
                i += 2
            if public == "default":
                raise self._error(
                    "export default is not supported: APPSYNC_JS code exports named functions "
                    "`request` and `response`",
                    self.tokens[i],
                )
            pairs.append((public, local))
            i += 1
            separator = self._at(i)
            if separator is not None and separator.text == ",":
                i += 1
            elif separator is None or separator.text != "}":
                raise self._error("Unexpected token: expected ',' or '}'", separator or token)
        after = self._at(i + 1)
        if after is not None and after.text == "from":
            raise self._error("Re-exporting another module is not supported", self.tokens[index])
        self.exports.update(pairs)
        end = self._statement_end(i + 1)
        self._blank(self.tokens[index].start, self.tokens[end - 1].end)
        return end

    def _declared_names(self, i: int) -> list[str]:
        """Names bound by `const|let|var` declarators from token `i` (patterns included)."""
        names: list[str] = []
        expect_binding = True
        depth = 0
        while (token := self._at(i)) is not None:
            if depth == 0 and not expect_binding and self._declaration_ended(i):
                break
            if expect_binding and depth == 0:
                if token.kind == "name":
                    names.append(token.text)
                    i += 1
                elif token.text in ("{", "["):
                    i = self._pattern_names(i, names)
                else:
                    break
                expect_binding = False
                continue
            if token.text in ("{", "(", "["):
                depth += 1
            elif token.text in ("}", ")", "]"):
                depth -= 1
                if depth < 0:
                    break
            elif token.text == "," and depth == 0:
                expect_binding = True
            i += 1
        return names

    def _declaration_ended(self, i: int) -> bool:
        token = self.tokens[i]
        if token.text == ";":
            return True
        # A line break before a statement keyword ends the declaration (automatic semicolon).
        return token.newline_before and token.kind == "name" and token.text in _STATEMENT_KEYWORDS

    def _pattern_names(self, i: int, names: list[str]) -> int:
        """Binding names of a destructuring pattern starting at token `i`; index past it."""
        depth = 0
        skipping_default = False
        while (token := self._at(i)) is not None:
            text = token.text
            if text in ("{", "[", "("):
                depth += 1
            elif text in ("}", "]", ")"):
                depth -= 1
                if depth == 0:
                    return i + 1
            if skipping_default:
                if text == "," or text in ("}", "]"):
                    skipping_default = False
            elif text == "=":
                skipping_default = True
            elif token.kind == "name":
                following = self._at(i + 1)
                if following is None or following.text != ":":
                    names.append(text)
            i += 1
        return i

    # ------------------------------------------------------------------ driver
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
