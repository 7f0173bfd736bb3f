"""`read_json`: what a request body must be before any service looks at it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.requests import Request
from starlette.types import Message

from services.shared.errors import PayloadTooLarge, ValidationError
from services.shared.http import read_json

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def request_with(body: bytes) -> Request:
    """A POST whose body is `body`, as the ASGI server hands it over."""
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(b"content-length", str(len(body)).encode())],
    }
    return Request(scope, receive)


async def refused(body: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        await read_json(request_with(body))
    return caught.value


class TestLoneSurrogates:
    """JSON may escape a lone surrogate (`"\\ud800"`); no UTF-8 encoder (DynamoDB's, our
    responses') can carry one, so such text is refused where it enters, naming where it is."""

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (b'{"merchantReference": "\\ud800x"}', "merchantReference"),
            (b'{"name": "ok", "note": "\\udfff"}', "note"),
            (b'{"items": [{"sku": "S", "name": "a\\udc00b"}]}', "items[0].name"),
            (b'{"tags": ["fine", "\\ud83d"]}', "tags[1]"),
            (b'{"a": {"b": [[1, {"c": "\\ud800"}]]}}', "a.b[0][1].c"),
        ],
    )
    async def test_in_a_value_at_any_depth(self, body, field):
        error = await refused(body)
        assert error.details == {"field": field}
        assert error.message == f"{field} is not valid Unicode text (it has a lone surrogate)"
        # The answer itself must be encodable.
        json.dumps(error.to_json(), ensure_ascii=False).encode()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (b'{"\\ud800x": 1}', "\\ud800x"),
            (b'{"address": {"li\\udbffne1": "x"}}', "address.li\\udbffne1"),
        ],
    )
    async def test_in_a_key_named_with_escapes(self, body, field):
        error = await refused(body)
        assert error.details == {"field": field}
        json.dumps(error.to_json(), ensure_ascii=False).encode()

    async def test_a_surrogate_pair_is_one_character_and_fine(self):
        body = json.dumps({"name": "\U0001f600 and caf\u00e9"}).encode()
        assert await read_json(request_with(body)) == {"name": "\U0001f600 and caf\u00e9"}


class TestShape:
    async def test_nesting_too_deep_for_the_parser_is_a_validation_error(self):
        error = await refused(b'{"a": ' + b"[" * 20_000 + b"]" * 20_000 + b"}")
        assert error.message == "Request body is not valid JSON"

    @pytest.mark.parametrize("body", [b"", b"  ", b"[1]", b"nope", b"\xff\xfe"])
    async def test_not_a_json_object(self, body):
        assert (await refused(body)).code == "ValidationError"

    async def test_over_the_size_limit(self):
        with pytest.raises(PayloadTooLarge, match="larger than 10 bytes"):
            await read_json(request_with(b'{"a": "0123456789"}'), max_bytes=10)
