"""A JavaScript tokenizer just deep enough to find a module's top-level imports and exports.

The rewrite of an APPSYNC_JS module must not mistake `import` inside a string, a comment or a
template literal for a statement, so the source is split into tokens first. Template literals
and regular expressions come out as single tokens: nothing inside them can be a top-level
statement. Grammar errors are left to QuickJS, which reports them with a line and column; this
tokenizer only refuses what it cannot get past (an unterminated literal or comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

TokenKind = Literal["name", "punct", "string", "template", "number", "regex"]

# Longest first, so that `>>>=` wins over `>>`.
_PUNCTUATORS = sorted(
    [
        ">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
        "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=", "*=",
        "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
        "{", "}", "(", ")", "[", "]", ";", ",", "<", ">", "+", "-", "*", "/", "%", "&", "|",
        "^", "!", "~", "?", ":", "=", ".", "@", "#",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_PUNCT = re.compile("|".join(re.escape(p) for p in _PUNCTUATORS))
_SPACE = re.compile(r"[ \t\v\f\r\n\u00a0\ufeff\u2028\u2029\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINE = re.compile(r"[\r\n\u2028\u2029]")
_NAME = re.compile(r"(?:[$_\w]|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\})+")
_NUMBER = re.compile(
    r"0[xXoObB][0-9a-fA-F_]+n?|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?"
)
# After these keywords an expression starts, so `/` opens a regular expression.
_EXPRESSION_KEYWORDS = frozenset(
    {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
     "do", "else", "yield", "await"}
)  # fmt: skip
# After these punctuators an operand ends, so `/` is division.
_OPERAND_ENDS = frozenset({")", "]", "}"})


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, text and `[start, end)` offsets in the source."""

    kind: TokenKind
    text: str
    start: int
    end: int
    newline_before: bool
    """A line break separates this token from the previous one (automatic semicolons)."""


class LexError(ValueError):
    """The source cannot be tokenized: an unterminated literal or comment."""

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def line_column(source: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `source`."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


class _Scanner:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        end = self._scan(0, inside_template=False)
        assert end == len(self.source)
        return self.tokens

    def _scan(self, pos: int, *, inside_template: bool) -> int:
        """Tokenize from `pos`; inside `${…}` of a template, stop after the closing brace."""
        src = self.source
        depth = 0
        newline = False
        # Tokens of a template substitution are not kept: only top-level statements matter.
        keep = not inside_template
        last: Token | None = None
        while pos < len(src):
            space = _SPACE.match(src, pos)
            if space:
                newline = newline or bool(_NEWLINE.search(space.group()))
                pos = space.end()
                continue
            if src.startswith("//", pos):
                stop = _NEWLINE.search(src, pos)
                pos = stop.start() if stop else len(src)
                continue
            if src.startswith("/*", pos):
                stop_at = src.find("*/", pos + 2)
                if stop_at < 0:
                    raise LexError("Unterminated comment", offset=pos)
                newline = newline or bool(_NEWLINE.search(src, pos, stop_at))
                pos = stop_at + 2
                continue
            char = src[pos]
            if inside_template and char == "}" and depth == 0:
                return pos + 1
            token = self._token(pos, char, last, newline)
            if token.kind == "punct":
                if token.text in ("{", "(", "["):
                    depth += 1
                elif token.text in ("}", ")", "]"):
                    depth -= 1
            if keep:
                self.tokens.append(token)
            last, newline, pos = token, False, token.end
        if inside_template:
            raise LexError("Unterminated template literal", offset=pos)
        return pos

    def _token(self, pos: int, char: str, last: Token | None, newline: bool) -> Token:
        src = self.source
        if char in "'\"":
            return Token("string", *self._string(pos), newline)
        if char == "`":
            return Token("template", *self._template(pos), newline)
        if char == "/" and _regex_allowed(last):
            return Token("regex", *self._regex(pos), newline)
        match = _NUMBER.match(src, pos)
        if match and (char.isdigit() or char == "."):
            return Token("number", match.group(), pos, match.end(), newline)
        match = _NAME.match(src, pos)
        if match:
            return Token("name", match.group(), pos, match.end(), newline)
        match = _PUNCT.match(src, pos)
        if match:
            return Token("punct", match.group(), pos, match.end(), newline)
        raise LexError(f"Invalid or unexpected token {char!r}", offset=pos)

    def _string(self, pos: int) -> tuple[str, int, int]:
        src, quote, i = self.source, self.source[pos], pos + 1
        while i < len(src):
            char = src[i]
            if char == "\\":
                i += 2
                continue
            if char == quote:
                return src[pos : i + 1], pos, i + 1
            if char in "\r\n":
                break
            i += 1
        raise LexError("Unterminated string literal", offset=pos)

    def _template(self, pos: int) -> tuple[str, int, int]:
        src, i = self.source, pos + 1
        while i < len(src):
            char = src[i]
            if char == "\\":
                i += 2
            elif char == "`":
                return src[pos : i + 1], pos, i + 1
            elif src.startswith("${", i):
                i = self._scan(i + 2, inside_template=True)
            else:
                i += 1
        raise LexError("Unterminated template literal", offset=pos)

    def _regex(self, pos: int) -> tuple[str, int, int]:
        src, i, in_class = self.source, pos + 1, False
        while i < len(src):
            char = src[i]
            if char == "\\":
                i += 2
                continue
            if char in "\r\n":
                break
            if char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif char == "/" and not in_class:
                flags = _NAME.match(src, i + 1)
                end = flags.end() if flags else i + 1
                return src[pos:end], pos, end
            i += 1
        raise LexError("Unterminated regular expression", offset=pos)


def _regex_allowed(last: Token | None) -> bool:
    if last is None:
        return True
    if last.kind == "punct":
        return last.text not in _OPERAND_ENDS
    if last.kind == "name":
        return last.text in _EXPRESSION_KEYWORDS
    return False


def tokenize(source: str) -> list[Token]:
    """Split JavaScript source into tokens, without comments or whitespace.

    Args:
        source: the module's text.

    Returns:
        The tokens in source order; a template literal is one token.

    Raises:
        LexError: a string, template, regular expression or comment never ends.
    """
    return _Scanner(source).run()
