"""What the credit proxy does with input no record can match and with failures nobody
expected: ids and text it checks before the network, errors it never lets through as Python's,
and which source address it reports for the fraud check's velocity counts."""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from services.credit.app import create_app
from services.credit_proxy import handler as handler_module
from services.credit_proxy.proxy import CreditProxy
from services.shared.errors import ServiceError
from tests.functional.services.conftest import HeaderRecorder, ServedApp
from tests.functional.services.proxy_harness import (
    Context,
    checkout_input,
    cognito,
    create,
    event,
    get,
    iam,
    raised,
)

pytestmark = pytest.mark.ddblocal


@pytest.fixture(scope="module")
def credit(ddb_settings, merchants):
    recorder = HeaderRecorder(create_app(ddb_settings))
    with ServedApp(recorder) as server:
        yield server, recorder


@pytest.fixture
def recorder(credit):
    return credit[1]


@pytest.fixture
def proxy_settings(ddb_settings, credit, idp):
    return replace(ddb_settings, credit_service_url=credit[0].url)


@pytest.fixture
def proxy(proxy_settings):
    function = CreditProxy(settings=proxy_settings)
    yield function
    function.close()


class TestText:
    def test_a_lone_surrogate_is_a_validation_error_naming_the_field(self, proxy, scan):
        """JSON can carry a lone surrogate (`"\\ud800x"`) that no UTF-8 encoder takes: the proxy
        still sends it (escaped), and the credit service refuses it, naming the field."""
        before = scan("checkouts")
        error = raised(proxy, create(checkout_input(reference="\ud800x"), iam()))
        assert type(error).__name__ == "ValidationError"
        assert str(error) == "merchantReference is not valid Unicode text (it has a lone surrogate)"
        assert error.details == {"field": "merchantReference"}
        assert scan("checkouts") == before

    def test_text_beyond_ascii_arrives_unchanged(self, proxy):
        reference = f"caf\u00e9-\U0001f600-{uuid.uuid4()}"
        created = proxy(create(checkout_input(reference=reference), iam()), Context())
        assert created["merchantReference"] == reference


class Faulty(httpx.BaseTransport):
    """A transport that fails as a bug would: with an exception nothing on the path expects."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise self.error


class TestUnexpectedErrors:
    @pytest.mark.parametrize(
        "error",
        [
            UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"),
            KeyError("checkout"),
        ],
        ids=["UnicodeEncodeError", "KeyError"],
    )
    def test_any_other_exception_is_a_generic_internal_error_logged_once(
        self, proxy_settings, make_token, caplog, error
    ):
        function = CreditProxy(settings=proxy_settings, http=httpx.Client(transport=Faulty(error)))
        context = Context()
        lambda_event = get("c-1", cognito("shopper-6"), {"authorization": make_token()})
        try:
            with caplog.at_level(logging.INFO):
                answered = raised(function, lambda_event, context)
        finally:
            function.close()
        assert type(answered).__name__ == "InternalError"
        assert str(answered) == "An internal error occurred"
        assert answered.details == {}
        [record] = [r for r in caplog.records if r.exc_info]
        assert record.exc_info is not None
        assert record.exc_info[0] is type(error)
        assert record.levelno == logging.ERROR
        assert context.aws_request_id in record.getMessage()
        assert "Query.checkout" in record.getMessage()

    def test_a_function_that_cannot_start_answers_internal_error(self, monkeypatch, caplog):
        """Settings are read on the first event: a broken environment fails that event, as an
        InternalError, with the reason in the log only."""
        monkeypatch.setenv("BNPL_HTTP_TIMEOUT_S", "soon")
        monkeypatch.setattr(handler_module, "_default", None)
        context = Context()
        with caplog.at_level(logging.INFO), pytest.raises(ServiceError) as caught:
            handler_module.handler(get("c-1", iam()), context)
        assert (type(caught.value).__name__, str(caught.value)) == (
            "InternalError",
            "An internal error occurred",
        )
        [record] = [r for r in caplog.records if r.exc_info]
        assert record.exc_info is not None
        assert record.exc_info[0] is ValueError
        assert context.aws_request_id in record.getMessage()

    def test_a_field_the_function_does_not_resolve(self, proxy, caplog):
        with caplog.at_level(logging.INFO):
            error = raised(proxy, event("Query", "nothingHere", {}, identity=iam()))
        assert (type(error).__name__, str(error)) == ("InternalError", "An internal error occurred")
        assert len([r for r in caplog.records if r.exc_info]) == 1

    def test_service_errors_keep_their_code_as_the_class_name(self, proxy):
        error = raised(proxy, get("any", cognito("shopper-7"), {}))
        assert type(error).__name__ == "UnauthorizedException"


TOO_LONG = "i" * 129
BAD_IDS = pytest.mark.parametrize(
    "bad_id", ["", TOO_LONG, "i" * 100_000, "a\ud800b"], ids=["empty", "129", "100k", "surrogate"]
)


def shopper_event(
    make_token: Any, parent: str, name: str, arguments: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    sub = "shopper-ids"
    lambda_event = event(
        parent,
        name,
        arguments,
        identity=cognito(sub),
        headers={"authorization": make_token(sub=sub)},
    )
    return {**lambda_event, **extra}


class TestIds:
    """An id no record can have (empty, over 128 characters, not valid text) never reaches the
    network: a query answers null, as for an unknown id; a mutation a ValidationError that
    names the field and the limit."""

    @BAD_IDS
    @pytest.mark.parametrize("name", ["checkout", "application", "plan"])
    def test_queries_answer_null(self, proxy, recorder, make_token, bad_id, name):
        reached = len(recorder.requests)
        assert proxy(shopper_event(make_token, "Query", name, {"id": bad_id}), Context()) is None
        assert proxy(get(bad_id, iam()), Context()) is None
        assert len(recorder.requests) == reached

    @BAD_IDS
    @pytest.mark.parametrize(
        ("name", "key"), [("application", "applicationId"), ("plan", "planId")]
    )
    def test_checkout_fields_answer_null(self, proxy, recorder, make_token, bad_id, name, key):
        reached = len(recorder.requests)
        source = {"id": "c-1", key: bad_id}
        lambda_event = shopper_event(make_token, "Checkout", name, {}, source=source)
        assert proxy(lambda_event, Context()) is None
        assert len(recorder.requests) == reached

    @BAD_IDS
    @pytest.mark.parametrize(
        ("name", "arguments", "field"),
        [
            (
                "reviewApplication",
                {"input": {"outcome": "APPROVED", "note": "ok"}},
                "applicationId",
            ),
            ("acceptOffer", {"input": {"offerId": "o-1", "idempotencyKey": "k"}}, "applicationId"),
            ("acceptOffer", {"input": {"applicationId": "a-1", "idempotencyKey": "k"}}, "offerId"),
            ("applyForCredit", {"input": {"idempotencyKey": "k"}}, "checkoutId"),
            (
                "applyForCredit",
                {"input": {"checkoutId": "c-1", "idempotencyKey": "k"}},
                "bankConsentId",
            ),
            ("payInstalment", {"input": {"instalmentNumber": 2, "idempotencyKey": "k"}}, "planId"),
            ("payOffPlan", {"input": {"idempotencyKey": "k"}}, "planId"),
        ],
    )
    def test_shopper_mutations_are_validation_errors(
        self, proxy, recorder, make_token, bad_id, name, arguments, field
    ):
        reached = len(recorder.requests)
        given = {"input": {**arguments["input"], field: bad_id}}
        error = raised(proxy, shopper_event(make_token, "Mutation", name, given))
        assert type(error).__name__ == "ValidationError"
        assert str(error) == f"{field} must be 1 to 128 characters of valid Unicode text"
        assert error.details == {"field": field}
        assert len(recorder.requests) == reached

    @BAD_IDS
    @pytest.mark.parametrize(
        ("name", "arguments"),
        [
            ("captureCheckout", {"input": {"idempotencyKey": "cap-1"}}),
            ("refundCheckout", {"input": {"amount": {"amount": 1, "currency": "GBP"}}}),
            ("voidCheckout", {}),
        ],
    )
    def test_merchant_mutations_are_validation_errors(
        self, proxy, recorder, bad_id, name, arguments
    ):
        reached = len(recorder.requests)
        if "input" in arguments:
            arguments = {"input": {**arguments["input"], "checkoutId": bad_id}}
        else:
            arguments = {"checkoutId": bad_id}
        error = raised(proxy, event("Mutation", name, arguments, identity=iam()))
        assert type(error).__name__ == "ValidationError"
        assert str(error) == "checkoutId must be 1 to 128 characters of valid Unicode text"
        assert len(recorder.requests) == reached

    @pytest.mark.parametrize("token", ["t" * 2049, "a\udfffb"], ids=["too-long", "surrogate"])
    def test_a_next_token_no_page_can_have(self, proxy, recorder, make_token, token):
        reached = len(recorder.requests)
        lambda_event = shopper_event(make_token, "Query", "myPlans", {"nextToken": token})
        error = raised(proxy, lambda_event)
        assert type(error).__name__ == "ValidationError"
        assert str(error) == "nextToken must be at most 2048 characters of valid Unicode text"
        assert len(recorder.requests) == reached

    def test_an_id_at_the_limit_reaches_the_service(self, proxy, recorder, make_token):
        reached = len(recorder.requests)
        lambda_event = shopper_event(make_token, "Query", "checkout", {"id": "i" * 128})
        assert proxy(lambda_event, Context()) is None
        assert len(recorder.requests) == reached + 1


class TestDotSegmentIds:
    """`.` and `..` are ids like any, but in a URL path they are dot segments, which HTTP clients
    resolve away (`/plans/.` is `/plans`, `/checkouts/../void` is `/void`): sent as they are, they
    asked another resource and its answer came back (`MethodNotAllowed`, a list of plans as a
    plan). Encoded, each reaches its own route and is an id nobody has."""

    DOTS = pytest.mark.parametrize("dots", [".", ".."], ids=["dot", "dot-dot"])

    @DOTS
    @pytest.mark.parametrize("name", ["checkout", "application", "plan"])
    def test_queries_answer_null(self, proxy, recorder, make_token, dots, name):
        reached = len(recorder.requests)
        assert proxy(shopper_event(make_token, "Query", name, {"id": dots}), Context()) is None
        assert len(recorder.requests) == reached + 1

    @DOTS
    @pytest.mark.parametrize(
        ("name", "arguments", "message"),
        [
            (
                "reviewApplication",
                {"input": {"outcome": "APPROVED", "note": "ok"}},
                "Application not found",
            ),
            (
                "payInstalment",
                {
                    "input": {
                        "instalmentNumber": 2,
                        "paymentMethodToken": "tok_visa",
                        "idempotencyKey": "k",
                    }
                },
                "Plan not found",
            ),
            (
                "payOffPlan",
                {"input": {"paymentMethodToken": "tok_visa", "idempotencyKey": "k"}},
                "Plan not found",
            ),
        ],
    )
    def test_shopper_mutations_are_not_found(
        self, proxy, recorder, make_token, dots, name, arguments, message
    ):
        review = name == "reviewApplication"
        key = "applicationId" if review else "planId"
        given = {"input": {**arguments["input"], key: dots}}
        # Only underwriters review: theirs is the token that reaches the lookup.
        groups = ("underwriters",) if review else ("customers",)
        mint = functools.partial(make_token, groups=groups)
        error = raised(proxy, shopper_event(mint, "Mutation", name, given))
        assert (type(error).__name__, str(error)) == ("NotFound", message)

    @DOTS
    @pytest.mark.parametrize(
        ("name", "arguments"),
        [
            ("captureCheckout", {"input": {"idempotencyKey": "cap-dots"}}),
            (
                "refundCheckout",
                {"input": {"amount": {"amount": 1, "currency": "GBP"}, "idempotencyKey": "r"}},
            ),
            ("voidCheckout", {}),
        ],
    )
    def test_merchant_mutations_are_not_found(self, proxy, dots, name, arguments):
        if "input" in arguments:
            arguments = {"input": {**arguments["input"], "checkoutId": dots}}
        else:
            arguments = {"checkoutId": dots}
        error = raised(proxy, event("Mutation", name, arguments, identity=iam()))
        assert (type(error).__name__, str(error)) == ("NotFound", "Checkout not found")

    @DOTS
    @pytest.mark.parametrize(
        ("name", "argument"),
        [
            ("rotateWebhookSecret", "endpointId"),
            ("sendTestWebhook", "endpointId"),
            ("replayWebhookEvent", "eventId"),
        ],
    )
    def test_webhook_mutations_are_not_found(self, proxy, dots, name, argument):
        error = raised(proxy, event("Mutation", name, {argument: dots}, identity=iam()))
        assert type(error).__name__ == "NotFound"
        assert str(error).endswith("not found")


class TestFraudSignals:
    """What AppSync saw of the shopper, passed on for the fraud check's velocity counts."""

    def test_the_address_appsync_saw_is_the_last_entry(self, proxy, recorder, make_token):
        """The client writes X-Forwarded-For, which AppSync puts first in `sourceIp`; only the
        last entry is the connection AppSync itself saw."""
        identity = {**cognito("shopper-ip"), "sourceIp": ["6.6.6.6", "203.0.113.9"]}
        headers = {"authorization": make_token(sub="shopper-ip")}
        arguments = {"input": {"checkoutId": "no-such-checkout", "idempotencyKey": "k-ip"}}
        lambda_event = event(
            "Mutation", "applyForCredit", arguments, identity=identity, headers=headers
        )
        raised(proxy, lambda_event)
        assert recorder.header("x-bnpl-source-ip") == b"203.0.113.9"

    def test_one_entry_is_that_entry(self, proxy, recorder, make_token):
        identity = {**cognito("shopper-ip"), "sourceIp": ["203.0.113.10"]}
        headers = {"authorization": make_token(sub="shopper-ip")}
        arguments = {"input": {"checkoutId": "no-such-checkout", "idempotencyKey": "k-ip2"}}
        lambda_event = event(
            "Mutation", "applyForCredit", arguments, identity=identity, headers=headers
        )
        raised(proxy, lambda_event)
        assert recorder.header("x-bnpl-source-ip") == b"203.0.113.10"

    @pytest.mark.parametrize(
        ("sent", "forwarded"),
        [("dev-123", b"dev-123"), ("caf\u00e9", b"caf%C3%A9"), ("a\nb", b"a%0Ab")],
        ids=["ascii", "latin-1", "control"],
    )
    def test_the_device_id_is_forwarded_as_printable_ascii(
        self, proxy, recorder, make_token, sent, forwarded
    ):
        """HTTP headers carry ASCII: a device id beyond it is percent-encoded (the same device
        gives the same value), never a failed call."""
        headers = {"authorization": make_token(sub="shopper-ip"), "x-bnpl-device-id": sent}
        arguments = {"input": {"checkoutId": "no-such-checkout", "idempotencyKey": "k-dev"}}
        lambda_event = event(
            "Mutation", "applyForCredit", arguments, identity=cognito("shopper-ip"), headers=headers
        )
        assert type(raised(proxy, lambda_event)).__name__ != "InternalError"
        assert recorder.header("x-bnpl-device-id") == forwarded
