"""An APPSYNC_JS module as the rewrite edits it, and the error that refuses the module.

`ModuleEdit` holds the module's tokens and its characters as edited so far, what the import and
export passes learn (bindings, imports, exports), and the token helpers both passes use.
"""

from __future__ import annotations

from collections.abc import Mapping

from appsync.js.lexer import Token, line_column, tokenize

__all__ = ["ModuleEdit", "RewriteError"]


class RewriteError(ValueError):
    """The module cannot run as APPSYNC_JS: the reason, and where it is when known."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class ModuleEdit:
    """One module's rewrite in progress: its tokens and its characters as edited so far."""

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
