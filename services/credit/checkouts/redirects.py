"""Where the hosted checkout page sends a shopper back to: the merchant's confirmation and cancel
URLs, and the rules they obey. Pure: no web, storage or AWS.

A return URL is HTTPS (plain HTTP only for `localhost` or `127.0.0.1`, and only where the
service allows it: the local stack), has no credentials, fragment, backslash or dot segment
(which a browser would resolve out of the allowed path), and falls within one of the
merchant's allow-listed prefixes at a boundary: `https://shop.example/returns` allows
`https://shop.example/returns/ok` and `https://shop.example/returns?x=1`, never
`https://shop.example/returnsevil` or `https://shop.example.evil/`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from services.shared.errors import ValidationError

URL_MAX_CHARS = 2048
CONFIRMATION = "confirmationUrl"
CANCEL = "cancelUrl"
FIELDS = (CONFIRMATION, CANCEL)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
# Anything a URL must not carry as text: controls, spaces, and `\`, which browsers read as `/`.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
_DOT_SEGMENT = re.compile(r"(^|/)\.{1,2}(/|$)")


@dataclass(frozen=True, kw_only=True)
class ReturnUrls:
    """Where the shopper goes back to: after accepting an offer, or after cancelling."""

    confirmation: str
    cancel: str


def parse_return_urls(payload: Mapping[str, Any]) -> ReturnUrls | None:
    """The return URLs of a checkout request: both or neither, each a URL of at most
    `URL_MAX_CHARS` characters; the merchant's allow-list is checked by `check_return_urls`.

    Raises:
        ValidationError: naming the field at fault.
    """
    confirmation, cancel = (payload.get(name) for name in FIELDS)
    if confirmation is None and cancel is None:
        return None
    if confirmation is None or cancel is None:
        missing = CONFIRMATION if confirmation is None else CANCEL
        raise ValidationError(
            "confirmationUrl and cancelUrl go together: give both or neither", field=missing
        )
    return ReturnUrls(confirmation=_url(confirmation, CONFIRMATION), cancel=_url(cancel, CANCEL))


def _url(value: object, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field} must be a non-empty string", field=field)
    if len(value) > URL_MAX_CHARS:
        raise ValidationError(f"{field} must be at most {URL_MAX_CHARS} characters", field=field)
    return value


def check_return_urls(
    urls: ReturnUrls, *, allowed_prefixes: Sequence[str], allow_local_http: bool
) -> None:
    """Refuse a return URL the merchant may not send shoppers to.

    Args:
        urls: the request's return URLs.
        allowed_prefixes: the merchant's allow-list.
        allow_local_http: plain HTTP is allowed for `localhost` and `127.0.0.1` (local stack).

    Raises:
        ValidationError: naming the field at fault, saying what the rule is.
    """
    for field, url in ((CONFIRMATION, urls.confirmation), (CANCEL, urls.cancel)):
        _check_shape(url, field, allow_local_http=allow_local_http)
        if not any(within(url, prefix) for prefix in allowed_prefixes):
            raise ValidationError(
                f"{field} must start with one of the merchant's allowed redirect URL prefixes"
                + ("" if allowed_prefixes else " (the merchant has none)"),
                field=field,
            )


def _check_shape(url: str, field: str, *, allow_local_http: bool) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValidationError(f"{field} must be an absolute URL", field=field) from None
    if _UNSAFE.search(url):
        raise ValidationError(
            f"{field} must not contain spaces, control characters or backslashes", field=field
        )
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme == "http" and local and allow_local_http:
        pass
    elif parts.scheme != "https":
        rule = "https (http only for localhost in the local stack)"
        raise ValidationError(f"{field} must use {rule}", field=field)
    if not parts.hostname:
        raise ValidationError(f"{field} must be an absolute URL with a host", field=field)
    if "@" in parts.netloc:
        raise ValidationError(f"{field} must not contain credentials", field=field)
    if "#" in url:
        raise ValidationError(f"{field} must not have a fragment ('#')", field=field)
    if _DOT_SEGMENT.search(parts.path):
        raise ValidationError(f"{field} must not contain '.' or '..' path segments", field=field)


def within(url: str, prefix: str) -> bool:
    """Whether `url` starts with `prefix` at a boundary: the prefix ends with `/`, or what
    follows it starts a path segment or the query.

    Example:
        >>> within("https://shop.example/orders/ok", "https://shop.example/orders")
        True
        >>> within("https://shop.example.evil/", "https://shop.example")
        False
    """
    if not prefix or not url.startswith(prefix):
        return False
    rest = url[len(prefix) :]
    return prefix.endswith("/") or rest == "" or rest[0] in "/?"


def return_to(url: str, checkout_id: str) -> str:
    """`url` with `checkoutId` added to its query: where the page sends the shopper.

    Example:
        >>> return_to("https://shop.example/ok?lang=en", "c1")
        'https://shop.example/ok?lang=en&checkoutId=c1'
    """
    return f"{url}{'&' if '?' in url else '?'}checkoutId={checkout_id}"


def checkout_page(page_url: str, checkout_id: str) -> str:
    """The hosted page of a checkout: `<page_url>/checkout/<id>`."""
    return f"{page_url.rstrip('/')}/checkout/{checkout_id}"
