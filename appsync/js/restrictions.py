"""What APPSYNC_JS refuses when code is saved, and the 1,000-iteration loop limit.

appsync.md §6.1 lists the syntax the APPSYNC_JS runtime does not support: `try`/`catch`/
`finally`, `throw`, `continue`, `do`-`while`, `while`, classic `for(;;)`, labels, unary `++`,
`--` and `~`, the `in` operator, regular expression literals, promises, `async`/`await`,
generators, classes and `this`. QuickJS runs all of them, so they are found in the token
stream at load time and refused, as AppSync refuses them at save time. (Recursion and passing
functions as values are also unsupported, but need type information to find; the test suite's
`@aws-appsync/eslint-plugin` run catches those.) The refusal messages are ours: AppSync's exact
wording is not documented (UNVERIFIED).

§6.1 and §8 also limit a handler to 1,000 loop iterations. The loops left (`for`-`of` and
`for`-`in`) get a call to the shim's counter at the start of their body; past 1,000 the
handler aborts with a `LoopLimitExceeded` error (AppSync's error text is UNVERIFIED). The call
is inserted after the body's `{`, so only code on that same line shifts its column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from appsync.js.lexer import Token

LOOP_CALL = "__appsync_loop();"
"""Inserted at the start of each loop body; the script binds `__appsync_loop` to the shim's."""

_REFUSED_WORDS = {
    "try": "try/catch/finally is not supported: report errors with util.error",
    "catch": "try/catch/finally is not supported: report errors with util.error",
    "finally": "try/catch/finally is not supported: report errors with util.error",
    "throw": "throw is not supported: use util.error",
    "continue": "continue is not supported",
    "while": "while and do-while loops are not supported: use for-of or array methods",
    "do": "while and do-while loops are not supported: use for-of or array methods",
    "class": "classes are not supported",
    "async": "async functions are not supported",
    "await": "await is not supported",
    "yield": "generators are not supported",
    "this": "this is not supported",
    "Promise": "promises are not supported",
    "Function": "the Function constructor is not supported",
}
_REFUSED_PUNCT = {
    "++": "the unary operator ++ is not supported: use += 1",
    "--": "the unary operator -- is not supported: use -= 1",
    "~": "the unary operator ~ is not supported",
}
# Tokens after which `{` opens a block (not an object literal), so `name :` inside is a label.
_BLOCK_OPENERS = frozenset({")", "else", "{", "}", ";", "=>"})


class RefusalError(ValueError):
    """Code AppSync refuses: the reason, and the token where it was found."""

    def __init__(self, reason: str, token: Token) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token = token


@dataclass(frozen=True)
class Checked:
    """What the check learnt: where loop bodies need the counter call."""

    insertions: tuple[tuple[int, str], ...]
    """(source offset, text): insert `text` after the character at that offset."""


def check(tokens: list[Token], skip: Callable[[int], bool]) -> Checked:
    """Refuse unsupported syntax; find the loop bodies to instrument.

    Args:
        tokens: the module's tokens.
        skip: whether the token at an index belongs to an import or export statement.

    Raises:
        RefusalError: the first unsupported construct.
    """
    insertions: list[tuple[int, str]] = []
    for_in_headers: set[int] = set()  # indices of `in` tokens that belong to a for-in header
    for i, token in enumerate(tokens):
        if skip(i):
            continue
        previous = tokens[i - 1] if i > 0 else None
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        member = previous is not None and previous.text in (".", "?.")
        if token.kind == "regex":
            raise RefusalError(
                "regular expression literals are not supported: use util.matches", token
            )
        if token.kind == "punct":
            if token.text in _REFUSED_PUNCT:
                raise RefusalError(_REFUSED_PUNCT[token.text], token)
            continue
        if token.kind != "name" or member:
            continue
        key = following is not None and following.text == ":"
        if key and previous is not None and previous.text in ("{", ","):
            if token.text != "default" and _is_label(tokens, i):
                raise RefusalError("labels are not supported", token)
            continue  # an object key
        reason = _word_reason(token, following, in_for_header=i in for_in_headers)
        if reason is not None:
            raise RefusalError(reason, token)
        if _labelled(tokens, i, key=key):
            raise RefusalError("labels are not supported", token)
        if token.text == "for":
            insertions.extend(_loop(tokens, i, for_in_headers))
    return Checked(tuple(insertions))


def _word_reason(token: Token, following: Token | None, *, in_for_header: bool) -> str | None:
    """Why the name `token` is refused, or None."""
    if token.text == "function" and following is not None and following.text == "*":
        return "generators are not supported"
    if token.text == "in" and not in_for_header:
        return "the in operator is not supported: use Object.hasOwn"
    return _REFUSED_WORDS.get(token.text)


def _check_operator(token: Token) -> None:
    if token.kind == "regex":
        raise RefusalError("regular expression literals are not supported: use util.matches", token)
    if token.kind == "punct" and token.text in _REFUSED_PUNCT:
        raise RefusalError(_REFUSED_PUNCT[token.text], token)


def _labelled(tokens: list[Token], i: int, *, key: bool) -> bool:
    """A label at token `i`: `name:` starting a statement, or `break name`."""
    token = tokens[i]
    if token.text == "break" and i + 1 < len(tokens):
        following = tokens[i + 1]
        return following.kind == "name" and not following.newline_before
    return key and token.text != "default" and _is_label(tokens, i)


def _is_label(tokens: list[Token], i: int) -> bool:
    """`name :` at the start of a statement."""
    if i == 0:
        return True
    previous = tokens[i - 1]
    if previous.text in (";", "}"):
        return True
    if previous.text == "{":
        return i < 2 or tokens[i - 2].text in _BLOCK_OPENERS
    return False


def _matching(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing the one at `i` (or the last token)."""
    depth = 0
    for j in range(i, len(tokens)):
        text = tokens[j].text
        if tokens[j].kind == "punct" and text in ("(", "[", "{"):
            depth += 1
        elif tokens[j].kind == "punct" and text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _loop(tokens: list[Token], i: int, for_in_headers: set[int]) -> list[tuple[int, str]]:
    """Check a `for` header at `i`; where its body gets the counter call."""
    opening = i + 1
    if opening >= len(tokens) or tokens[opening].text != "(":
        return []  # `for await` is refused at `await`; a syntax error is QuickJS's to report
    closing = _matching(tokens, opening)
    depth = 0
    for j in range(opening + 1, closing):
        text = tokens[j].text
        if tokens[j].kind == "punct" and text in ("(", "[", "{"):
            depth += 1
        elif tokens[j].kind == "punct" and text in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and text == ";":
            raise RefusalError("classic for(;;) loops are not supported: use for-of", tokens[i])
        elif depth == 0 and text == "in" and tokens[j].kind == "name":
            for_in_headers.add(j)
    body = closing + 1
    if body >= len(tokens):
        return []
    if tokens[body].text == "{":
        return [(tokens[body].start, LOOP_CALL)]
    end = _statement_end(tokens, body)
    return [(tokens[closing].start, "{" + LOOP_CALL), (tokens[end].end - 1, "}")]


def _statement_end(tokens: list[Token], i: int) -> int:
    """Index of the last token of the statement starting at `i` (a brace-less loop body)."""
    text = tokens[i].text
    if text == "{":
        return _matching(tokens, i)
    if text in ("if", "for") and i + 1 < len(tokens) and tokens[i + 1].text == "(":
        end = _statement_end(tokens, _matching(tokens, i + 1) + 1)
        if text == "if" and end + 1 < len(tokens) and tokens[end + 1].text == "else":
            end = _statement_end(tokens, end + 2)
        return end
    depth = 0
    j = i
    while j < len(tokens):
        token = tokens[j]
        if token.kind == "punct" and token.text in ("(", "[", "{"):
            depth += 1
        elif token.kind == "punct" and token.text in (")", "]", "}"):
            if depth == 0:
                return j - 1
            depth -= 1
        elif depth == 0 and token.text == ";":
            return j
        elif _automatic_semicolon(tokens, i, j, depth):
            return j - 1
        j += 1
    return len(tokens) - 1


def _automatic_semicolon(tokens: list[Token], i: int, j: int, depth: int) -> bool:
    """A line break before token `j` ends the statement begun at `i`: an operand ends the
    previous line and a new statement starts this one."""
    token = tokens[j]
    if depth != 0 or j <= i or not token.newline_before or not _ends_operand(tokens[j - 1]):
        return False
    return token.kind in ("name", "number", "string", "template")


def _ends_operand(token: Token) -> bool:
    return token.kind in ("name", "number", "string", "template", "regex") or token.text in (
        ")",
        "]",
        "}",
    )
