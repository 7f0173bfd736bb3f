"""The rewrite of `export` statements: blanked out, with the names they export recorded.

`export function f` and `export const a = ...` lose only the keyword; `export { a as b }` is
blanked whole. Each records the exported name and its local name, so the script can hand
`request` and `response` to the runtime. `export default` and re-exports are refused.
"""

from __future__ import annotations

from appsync.js.module_edit import ModuleEdit

__all__ = ["ExportRewriting"]

_DECLARATION_KEYWORDS = frozenset({"const", "let", "var"})
_STATEMENT_KEYWORDS = frozenset(
    {"const", "let", "var", "function", "class", "if", "for", "while", "do", "return", "switch",
     "export", "import", "try", "throw", "break", "continue", "async"}
)  # fmt: skip


class ExportRewriting(ModuleEdit):
    """Rewrites the module's export statements; the exported names are left on `exports`."""

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
