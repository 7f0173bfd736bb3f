"""The rules of a checkout's return URLs (`checkouts.redirects`) and how a request carries them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.credit.checkouts.domain import Checkout, parse_checkout_request
from services.credit.checkouts.operations import checkout_from_json
from services.credit.checkouts.redirects import (
    URL_MAX_CHARS,
    ReturnUrls,
    check_return_urls,
    checkout_page,
    parse_return_urls,
    return_to,
    within,
)
from services.shared.errors import ValidationError

PREFIXES = ("https://shop.example/orders/", "https://127.0.0.1:4446/")
OK = "https://shop.example/orders/ok"
CANCEL = "https://shop.example/orders/cancel?basket=1"


def urls(confirmation: str = OK, cancel: str = CANCEL) -> ReturnUrls:
    return ReturnUrls(confirmation=confirmation, cancel=cancel)


def refused(url: str, *, field: str = "confirmationUrl", local_http: bool = False) -> str:
    with pytest.raises(ValidationError) as caught:
        check_return_urls(
            urls(confirmation=url), allowed_prefixes=PREFIXES, allow_local_http=local_http
        )
    assert caught.value.details == {"field": field}
    return caught.value.message


def request(**extra: Any) -> dict[str, Any]:
    return {
        "merchantId": "m_1",
        "merchantReference": "order-1",
        "amount": {"amount": 500, "currency": "GBP"},
        "items": [
            {
                "sku": "A",
                "name": "Socks",
                "quantity": 1,
                "unitPrice": {"amount": 500, "currency": "GBP"},
            }
        ],
        **extra,
    }


def test_urls_within_the_allow_list_pass() -> None:
    check_return_urls(urls(), allowed_prefixes=PREFIXES, allow_local_http=False)
    check_return_urls(
        urls("https://127.0.0.1:4446/orders/confirmed", "https://127.0.0.1:4446/orders/cancelled"),
        allowed_prefixes=PREFIXES,
        allow_local_http=False,
    )


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://shop.example/orders/ok", "must use https"),
        ("ftp://shop.example/orders/ok", "must use https"),
        ("javascript:alert(1)", "must use https"),
        ("https://shop.example/orders/ok#top", "fragment"),
        ("https://user:pw@shop.example/orders/ok", "credentials"),
        ("https://shop.example/orders/../admin", "path segments"),
        ("https://shop.example/orders/./ok", "path segments"),
        ("https://shop.example/orders/ok\\evil", "backslashes"),
        ("https://shop.example/orders/o k", "spaces"),
        ("https://shop.example:99999/orders/ok", "absolute URL"),
        ("https://shop.example/other/ok", "allowed redirect URL prefixes"),
        ("https://shop.example.evil/orders/ok", "allowed redirect URL prefixes"),
        ("https://evil.example/?https://shop.example/orders/", "allowed redirect URL prefixes"),
    ],
)
def test_a_url_breaking_a_rule_is_refused_with_the_rule(url: str, words: str) -> None:
    assert words in refused(url)


def test_the_cancel_url_is_checked_too() -> None:
    with pytest.raises(ValidationError) as caught:
        check_return_urls(
            urls(cancel="https://evil.example/"), allowed_prefixes=PREFIXES, allow_local_http=False
        )
    assert caught.value.details == {"field": "cancelUrl"}


def test_plain_http_is_for_localhost_and_only_where_allowed() -> None:
    local = ("http://localhost:4006/", "http://127.0.0.1:4006/")
    for host in ("localhost", "127.0.0.1"):
        url = f"http://{host}:4006/orders/ok"
        check_return_urls(urls(url, url), allowed_prefixes=local, allow_local_http=True)
        with pytest.raises(ValidationError, match="must use https"):
            check_return_urls(urls(url, url), allowed_prefixes=local, allow_local_http=False)
    url = "http://shop.example/orders/ok"
    with pytest.raises(ValidationError, match="must use https"):
        check_return_urls(
            urls(url, url), allowed_prefixes=("http://shop.example/",), allow_local_http=True
        )


def test_a_merchant_without_prefixes_may_give_no_return_urls() -> None:
    with pytest.raises(ValidationError, match="the merchant has none"):
        check_return_urls(urls(), allowed_prefixes=(), allow_local_http=True)


@pytest.mark.parametrize(
    ("url", "prefix", "inside"),
    [
        ("https://shop.example/returns", "https://shop.example/returns", True),
        ("https://shop.example/returns/ok", "https://shop.example/returns", True),
        ("https://shop.example/returns?x=1", "https://shop.example/returns", True),
        ("https://shop.example/returnsevil", "https://shop.example/returns", False),
        ("https://shop.example.evil/", "https://shop.example", False),
        ("https://shop.example:4446/", "https://shop.example:44", False),
        ("https://shop.example/a", "", False),
    ],
)
def test_a_prefix_matches_at_a_boundary_only(url: str, prefix: str, inside: bool) -> None:
    assert within(url, prefix) is inside


def test_both_or_neither() -> None:
    assert parse_return_urls({}) is None
    assert parse_return_urls({"confirmationUrl": None, "cancelUrl": None}) is None
    with pytest.raises(ValidationError) as caught:
        parse_return_urls({"confirmationUrl": OK})
    assert caught.value.details == {"field": "cancelUrl"}
    with pytest.raises(ValidationError) as caught:
        parse_return_urls({"cancelUrl": CANCEL})
    assert caught.value.details == {"field": "confirmationUrl"}


def test_a_url_is_a_bounded_string() -> None:
    with pytest.raises(ValidationError, match="non-empty string"):
        parse_return_urls({"confirmationUrl": 7, "cancelUrl": CANCEL})
    long = "https://shop.example/orders/" + "a" * URL_MAX_CHARS
    with pytest.raises(ValidationError, match=f"at most {URL_MAX_CHARS}"):
        parse_return_urls({"confirmationUrl": OK, "cancelUrl": long})


def test_a_checkout_request_carries_its_return_urls_and_a_retry_must_repeat_them() -> None:
    parsed = parse_checkout_request(request(confirmationUrl=OK, cancelUrl=CANCEL))
    assert parsed.return_urls == urls()
    assert parse_checkout_request(request()).return_urls is None
    now = datetime(2026, 1, 1, tzinfo=UTC)
    checkout = Checkout.open(parsed, checkout_id="c1", now=now)
    assert checkout.answers(parsed)
    assert not checkout.answers(parse_checkout_request(request()))
    body = checkout.to_json()
    assert (body["confirmationUrl"], body["cancelUrl"]) == (OK, CANCEL)
    assert checkout_from_json(body) == checkout


def test_the_return_and_page_urls() -> None:
    assert return_to("https://shop.example/ok", "c1") == "https://shop.example/ok?checkoutId=c1"
    assert (
        return_to("https://shop.example/ok?a=1", "c1")
        == "https://shop.example/ok?a=1&checkoutId=c1"
    )
    assert checkout_page("https://pay.example/", "c1") == "https://pay.example/checkout/c1"
