"""Ids and text as callers send them, checked before they reach storage or a URL.

Ids are opaque strings, but every one the platform issues (UUIDs, ULIDs, `vc_…`, the sandbox's
named consents) is short, so one limit holds for all of them: the services, the credit proxy and
the HTTP resolvers (`resolvers/*.js`, which restate it) refuse an id past it without looking it
up. Text with a lone surrogate (JSON can escape one, `"\\ud800"`) is refused too: no UTF-8 encoder
takes it, so it can neither be stored nor answered back.
"""

from __future__ import annotations

import re
from typing import TypeGuard

# Characters (code points) in an id. DynamoDB would take up to 1,024 bytes in a sort key; nothing
# we issue comes near 128.
ID_MAX_CHARS = 128

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def is_valid_text(text: str) -> bool:
    """Whether `text` is valid Unicode: no lone surrogate, so it encodes as UTF-8.

    Example:
        >>> is_valid_text("caf\\u00e9 \\U0001f600"), is_valid_text("a\\ud800")
        (True, False)
    """
    return _LONE_SURROGATE.search(text) is None


def is_valid_id(value: object) -> TypeGuard[str]:
    """Whether `value` could be an id: a string of 1 to `ID_MAX_CHARS` characters of valid text."""
    return isinstance(value, str) and 0 < len(value) <= ID_MAX_CHARS and is_valid_text(value)


def id_rule(field: str) -> str:
    """The sentence that says what an id must be, stating the limit."""
    return f"{field} must be 1 to {ID_MAX_CHARS} characters of valid Unicode text"


def printable_name(text: str) -> str:
    """`text` with any lone surrogate written as its `\\udxxx` escape, so it can be shown."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
