"""The credit proxy Lambda, called with AppSync's direct-Lambda events, against the credit
service on a real uvicorn and a real token endpoint."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from services.credit.app import create_app
from services.credit_proxy import handler as handler_module
from services.credit_proxy.proxy import CreditProxy
from tests.conftest import service_environ
from tests.functional.services.conftest import RIVAL_ARN, SHOP_ARN, HeaderRecorder, ServedApp
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


class TestTracing:
    ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"

    def test_the_events_request_id_and_trace_go_on_to_the_credit_service(self, proxy, recorder):
        headers = {
            "x-amzn-requestid": "9ffe9777-e14b-4494-b710-4a8202738122",
            "x-amzn-trace-id": f"Root={self.ROOT};Parent=53995c3f42cd8ad8;Sampled=1",
        }
        proxy(create(checkout_input(), iam(), headers=headers), Context())
        assert recorder.header("x-amzn-requestid") == b"9ffe9777-e14b-4494-b710-4a8202738122"
        sent = recorder.header("x-amzn-trace-id")
        assert sent is not None
        assert sent.startswith(f"Root={self.ROOT};Parent=".encode())
        assert b"53995c3f42cd8ad8" not in sent  # the proxy's hop is the credit service's parent

    def test_on_lambda_the_invocations_segment_is_the_credit_services_parent(
        self, proxy, recorder, monkeypatch
    ):
        monkeypatch.setenv(
            "_X_AMZN_TRACE_ID", f"Root={self.ROOT};Parent=aaaabbbbccccdddd;Sampled=1"
        )
        headers = {"x-amzn-trace-id": f"Root={self.ROOT};Parent=53995c3f42cd8ad8;Sampled=1"}
        proxy(create(checkout_input(), iam(), headers=headers), Context())
        assert recorder.header("x-amzn-trace-id") == (
            f"Root={self.ROOT};Parent=aaaabbbbccccdddd;Sampled=1".encode()
        )

    def test_without_the_api_request_id_the_invocations_own_names_the_work(self, proxy, recorder):
        context = Context()
        headers = {"x-amzn-trace-id": f"Root={self.ROOT};Sampled=1"}
        proxy(create(checkout_input(), iam(), headers=headers), context)
        assert recorder.header("x-amzn-requestid") == context.aws_request_id.encode()

    def test_each_invocation_logs_its_field_outcome_duration_and_caller(self, proxy, caplog):
        headers = {"x-amzn-requestid": "9ffe9777-e14b-4494-b710-4a8202738122"}
        with caplog.at_level("INFO", logger="services.credit_proxy"):
            proxy(create(checkout_input(), iam(), headers=headers), Context())
            raised(proxy, get("co_missing", cognito("someone")))
        done = [r for r in caplog.records if getattr(r, "hop", None) == "credit-proxy"]
        assert [(r.getMessage(), r.outcome) for r in done] == [
            ("Mutation.createCheckout ok", "ok"),
            # A shopper's event without their token: refused, and logged as such.
            ("Query.checkout UnauthorizedException", "UnauthorizedException"),
        ]
        assert all(isinstance(r.duration_ms, float) for r in done)


class TestMerchants:
    def test_create_and_replay_with_one_service_token(self, proxy, recorder, idp):
        arguments = checkout_input()
        created = proxy(create(arguments, iam()), Context())
        assert created["status"] == "CREATED"
        assert {k: created[k] for k in arguments} == arguments
        token = recorder.header("authorization")
        assert token is not None
        assert token.startswith(b"Bearer ")
        assert recorder.header("x-bnpl-caller-arn") == SHOP_ARN.encode()

        replayed = proxy(create(arguments, iam()), Context())
        assert replayed == created
        assert proxy(get(created["id"], iam()), Context()) == created
        assert idp.token_requests == 1  # cached across calls
        assert recorder.header("authorization") == token

    def test_another_merchant_sees_nothing(self, proxy):
        created = proxy(create(checkout_input(), iam()), Context())
        assert proxy(get(created["id"], iam(RIVAL_ARN)), Context()) is None

    def test_unknown_checkout_is_null(self, proxy):
        assert proxy(get("no-such-checkout", iam()), Context()) is None

    @pytest.mark.parametrize(
        ("field", "arguments"),
        [
            ("captureCheckout", {"input": {"idempotencyKey": "cap-1"}}),
            ("voidCheckout", {}),
            (
                "refundCheckout",
                {"input": {"amount": {"amount": 100, "currency": "GBP"}, "idempotencyKey": "r-1"}},
            ),
        ],
    )
    def test_money_operations_reach_the_service_for_the_merchant_only(
        self, proxy, field, arguments
    ):
        """Each merchant operation arrives at its endpoint as the caller: on a CREATED checkout
        the service answers InvalidState (no offer accepted); for a rival merchant, NotFound."""
        checkout_id = proxy(create(checkout_input(), iam()), Context())["id"]
        if "input" in arguments:
            arguments = {"input": {**arguments["input"], "checkoutId": checkout_id}}
        else:
            arguments = {"checkoutId": checkout_id}
        mine = event("Mutation", field, arguments, identity=iam())
        assert raised(proxy, mine).code == "InvalidState"
        rival = event("Mutation", field, arguments, identity=iam(RIVAL_ARN))
        assert raised(proxy, rival).code == "NotFound"

    def test_errors_are_raised_as_their_codes(self, proxy, scan):
        before = len(scan("checkouts"))
        invalid = raised(proxy, create(checkout_input(total=-2), iam()))
        assert type(invalid).__name__ == "ValidationError"
        assert "amount.amount" in str(invalid)

        stranger = raised(proxy, create(checkout_input(), iam("arn:aws:iam::1:user/stranger")))
        assert type(stranger).__name__ == "Unauthorized"
        assert str(stranger) == "Not allowed to create checkouts for merchant m_shop"
        assert len(scan("checkouts")) == before

        first = proxy(create(checkout_input("reused"), iam()), Context())
        conflict = raised(proxy, create(checkout_input("reused", total=4000), iam()))
        assert type(conflict).__name__ == "Conflict"
        assert conflict.details["checkoutId"] == first["id"]

    def test_token_endpoint_refusal_is_a_dependency_failure(self, proxy, idp):
        idp.refuse_tokens = True
        assert type(raised(proxy, create(checkout_input(), iam()))).__name__ == "DependencyFailure"

    def test_a_refused_service_token_is_replaced_once(self, proxy, idp, scan):
        idp.expired_tokens = True  # the issuer's clock is off: every token is already expired
        before = len(scan("checkouts"))
        error = raised(proxy, create(checkout_input(), iam()))
        assert type(error).__name__ == "UnauthorizedException"
        assert idp.token_requests == 2
        assert len(scan("checkouts")) == before

    def test_without_a_client_secret_merchants_cannot_be_served(self, proxy_settings):
        function = CreditProxy(settings=replace(proxy_settings, service_client_secret=None))
        try:
            error = raised(function, create(checkout_input(), iam()))
        finally:
            function.close()
        assert type(error).__name__ == "InternalError"


class TestSubscriptionAudience:
    """`Subscription.onCheckoutUpdated`: whom a subscription's updates are for."""

    def subscribe(self, checkout_id: str, identity: dict[str, Any]) -> dict[str, Any]:
        return event("Subscription", "onCheckoutUpdated", {"id": checkout_id}, identity=identity)

    def test_a_shopper_hears_what_is_addressed_to_them_without_asking_the_service(
        self, proxy, recorder
    ):
        recorder.requests.clear()
        answer = proxy(self.subscribe("any-checkout", cognito("sub-a")), Context())
        assert answer == {"customerId": "sub-a"}
        assert recorder.requests == []

    def test_a_merchant_hears_its_own_checkout(self, proxy):
        created = proxy(create(checkout_input(), iam()), Context())
        answer = proxy(self.subscribe(created["id"], iam()), Context())
        assert answer == {"merchantId": "m_shop"}

    @pytest.mark.parametrize("checkout", ["rivals", "no-such-checkout", ""])
    def test_a_merchant_may_not_hear_about_a_checkout_that_is_not_its_own(self, proxy, checkout):
        checkout_id = checkout
        if checkout == "rivals":
            checkout_id = proxy(create(checkout_input(), iam()), Context())["id"]
        refused = raised(proxy, self.subscribe(checkout_id, iam(RIVAL_ARN)))
        assert type(refused).__name__ == "Unauthorized"


class TestCustomers:
    def test_the_token_is_forwarded_byte_for_byte(self, proxy, recorder, make_token):
        created = proxy(create(checkout_input(), iam()), Context())
        token = make_token(sub="shopper-1")
        for sent in (token, f"Bearer {token}"):
            seen = proxy(
                get(created["id"], cognito("shopper-1"), {"authorization": sent}), Context()
            )
            assert seen == created
            assert recorder.header("authorization") == sent.encode()
            assert recorder.header("x-bnpl-caller-arn") is None

    def test_a_customer_cannot_create_checkouts(self, proxy, make_token, scan):
        before = len(scan("checkouts"))
        headers = {"authorization": make_token(sub="shopper-2")}
        error = raised(proxy, create(checkout_input(), cognito("shopper-2"), headers))
        assert type(error).__name__ == "Unauthorized"
        assert len(scan("checkouts")) == before

    def test_a_customer_without_a_token(self, proxy):
        error = raised(proxy, get("any", cognito("shopper-3"), {}))
        assert type(error).__name__ == "UnauthorizedException"

    def test_an_expired_token_is_refused_by_the_service(self, proxy, make_token):
        headers = {"authorization": make_token(sub="shopper-4", exp_delta=-120)}
        error = raised(proxy, get("any", cognito("shopper-4"), headers))
        assert type(error).__name__ == "UnauthorizedException"

    def test_api_key_callers_are_refused(self, proxy):
        assert type(raised(proxy, get("any", None))).__name__ == "Unauthorized"


class Unavailable:
    """A server that answers every request 503 with an HTML page, counting them."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _fail(self) -> None:
                outer.requests.append(self.command)
                self.rfile.read(int(self.headers.get("content-length", "0")))
                body = b"<html>Service Unavailable</html>"
                self.send_response(503)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._fail()

            def do_POST(self) -> None:
                self._fail()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> Unavailable:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class TestDependencyFailures:
    def test_reads_are_retried_writes_are_not(self, proxy_settings, make_token):
        headers = {"authorization": make_token(sub="shopper-5")}
        with Unavailable() as down:
            function = CreditProxy(settings=replace(proxy_settings, credit_service_url=down.url))
            try:
                read = raised(function, get("c-1", cognito("shopper-5"), headers))
                write = raised(function, create(checkout_input(), iam()))
            finally:
                function.close()
        assert type(read).__name__ == type(write).__name__ == "DependencyFailure"
        assert down.requests == ["GET", "GET", "GET", "POST"]

    def test_an_unreachable_service(self, proxy_settings):
        unreachable = replace(proxy_settings, credit_service_url="http://127.0.0.1:9")
        function = CreditProxy(settings=unreachable)
        try:
            error = raised(function, create(checkout_input(), iam()))
        finally:
            function.close()
        assert type(error).__name__ == "DependencyFailure"
        assert "retry it unchanged" in str(error)


def test_the_module_handler_reads_its_settings_from_the_environment(
    monkeypatch, ddb_settings, credit, idp
):
    environ = service_environ(idp) | {
        "BNPL_DYNAMODB_ENDPOINT": str(ddb_settings.dynamodb_endpoint),
        "BNPL_TABLE_PREFIX": ddb_settings.table_prefix,
        "BNPL_CREDIT_SERVICE_URL": credit[0].url,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(handler_module, "_default", None)
    try:
        created = handler_module.handler(create(checkout_input(), iam()), Context())
        # The payload crosses a JSON boundary in AWS: the result must survive it unchanged.
        assert json.loads(json.dumps(created)) == created
        assert created["merchantId"] == "m_shop"
    finally:
        if handler_module._default is not None:
            handler_module._default.close()
