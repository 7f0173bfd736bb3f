"""The Starlette glue every service is built on (`create_service_app`), in process with real
tokens: routing, the error boundary, and what a refused token tells the caller and the log."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.shared.auth import TokenVerifier
from services.shared.errors import ValidationError
from services.shared.http import create_service_app, read_json
from services.shared.logs import TraceFilter
from services.shared.metrics import RecordingMetrics

pytestmark = pytest.mark.anyio

GENERIC_500 = {"error": "InternalError", "message": "An internal error occurred"}
GENERIC_401 = {
    "error": "UnauthorizedException",
    "message": "You are not authorized to make this call.",
}


async def encode_badly(_: Request) -> Response:
    "x\ud800".encode()
    return JSONResponse({})


async def missing_key(_: Request) -> Response:
    return JSONResponse({}[_.path_params["name"]])


async def unrenderable_error(_: Request) -> Response:
    # A service error whose text no UTF-8 encoder takes: rendering the answer itself fails.
    raise ValidationError("bad \udc80 text", field="name")


async def echo(request: Request) -> Response:
    return JSONResponse(await read_json(request))


async def thing(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["thing_id"]})


ROUTES = [
    Route("/encode", encode_badly, methods=["GET"]),
    Route("/missing/{name}", missing_key, methods=["GET"]),
    Route("/unrenderable", unrenderable_error, methods=["GET"]),
    Route("/echo", echo, methods=["POST"]),
    Route("/things/{thing_id}", thing, methods=["GET"]),
    Route("/things/{thing_id}", thing, methods=["DELETE"]),
    Route("/things/{thing_id}", thing, methods=["PATCH"]),
]


@pytest.fixture
def app(settings):
    return create_service_app(
        service="glue", routes=ROUTES, verifier=TokenVerifier(settings), openapi={}
    )


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://glue.test") as http:
        yield http


@pytest.fixture
def auth(make_token):
    return {"authorization": make_token(sub="glue-customer")}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


class TestErrorBoundary:
    @pytest.mark.parametrize("path", ["/encode", "/missing/absent", "/unrenderable"])
    async def test_an_unexpected_exception_is_a_generic_500_logged_once(
        self, client, auth, caplog, path
    ):
        with caplog.at_level(logging.INFO, logger="services"):
            response = await client.get(path, headers=auth)
        assert (response.status_code, response.json()) == (500, GENERIC_500)
        assert "Error" not in response.text.replace("InternalError", "")
        [record] = errors_logged(caplog)
        assert record.exc_info is not None
        assert record.getMessage() == f"unhandled error on GET {path}"

    @pytest.mark.parametrize(
        ("body", "read"),
        [
            (b'{"n": 62.0, "m": 1e2, "k": -0.0}', {"n": 62, "m": 100, "k": 0}),
            (b'{"n": 62.5, "big": 1e300}', {"n": 62.5, "big": 1e300}),
        ],
    )
    async def test_a_whole_number_is_an_integer_however_it_is_written(
        self, client, auth, body, read
    ):
        # Found by fuzzing: JSON Schema's integer takes 62.0, which the parsers refused.
        response = await client.post(
            "/echo", content=body, headers={**auth, "content-type": "application/json"}
        )
        assert response.status_code == 200
        assert response.json() == read
        assert [type(v) for v in response.json().values()] == [type(v) for v in read.values()]

    async def test_a_lone_surrogate_in_the_body_is_a_validation_error(self, client, auth):
        response = await client.post(
            "/echo",
            content=b'{"merchantReference": "\\ud800x"}',
            headers={**auth, "content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "ValidationError",
            "message": "merchantReference is not valid Unicode text (it has a lone surrogate)",
            "details": {"field": "merchantReference"},
        }

    async def test_a_body_trickled_in_slower_than_the_deadline_is_a_timeout(
        self, client, auth, monkeypatch
    ):
        monkeypatch.setattr("services.shared.http.BODY_READ_TIMEOUT_S", 0.2)

        async def trickle() -> Any:
            yield b'{"n": '
            await asyncio.sleep(1.0)
            yield b"1}"

        response = await client.post(
            "/echo", content=trickle(), headers={**auth, "content-type": "application/json"}
        )
        assert (response.status_code, response.json()["error"]) == (408, "ValidationError")


class TestServedRequests:
    async def test_each_request_is_counted_with_whether_it_failed_health_checks_aside(
        self, settings, auth
    ):
        metrics = RecordingMetrics()
        app = create_service_app(
            service="glue",
            routes=ROUTES,
            verifier=TokenVerifier(settings),
            openapi={},
            metrics=metrics,
        )
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://glue.test") as http:
            for path in ["/things/t1", "/encode", "/nowhere", "/health", "/openapi.json"]:
                await http.get(path, headers=auth)
        assert metrics.values("Requests") == [1, 1, 1]  # 200, 500, 404
        assert metrics.values("ServerErrors") == [0, 1, 0]

    async def test_each_request_runs_in_its_callers_trace_and_is_logged_once_answered(
        self, client, auth, caplog
    ):
        headers = {
            **auth,
            "x-amzn-requestid": "9ffe9777-e14b-4494-b710-4a8202738122",
            "x-amzn-trace-id": "Root=1-6b14344d-eb4fcbefb9acda40b29a8652;Parent=53995c3f42cd8ad8",
        }
        caplog.handler.addFilter(TraceFilter())  # as the process's JSON handler names them
        with caplog.at_level(logging.INFO, logger="services"):
            await client.get("/things/t1", headers=headers)
        [answered] = [r for r in caplog.records if getattr(r, "hop", None) == "glue"]
        assert answered.getMessage() == "GET /things/t1 200"
        assert (answered.http_status, answered.request_id, answered.sub) == (
            200,
            "9ffe9777-e14b-4494-b710-4a8202738122",
            "glue-customer",
        )
        assert answered.trace_id == "1-6b14344d-eb4fcbefb9acda40b29a8652"


class TestRouting:
    @pytest.mark.parametrize("method", ["OPTIONS", "PUT", "POST"])
    async def test_a_method_no_route_takes_names_every_method_the_path_takes(
        self, client, auth, method
    ):
        # Found by fuzzing: Starlette's 405 named only the first route's methods on the path.
        response = await client.request(method, "/things/t1", headers=auth)
        assert response.status_code == 405
        assert response.json()["error"] == "MethodNotAllowed"
        assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH"

    @pytest.mark.parametrize("path", ["/things/", "/echo/", "/health/", "/nowhere/"])
    async def test_a_path_no_route_takes_is_a_json_404_never_a_redirect(self, client, auth, path):
        response = await client.get(path, headers=auth)
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
        assert "location" not in response.headers

    async def test_a_path_with_a_lone_surrogate_is_not_found(self, app, make_token):
        """ASGI servers decode paths themselves; one that let a lone surrogate through would
        hand it to route parameters, so the glue answers such a path NotFound."""
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        token = make_token(sub="glue-customer").encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/things/a\ud800b",
            "raw_path": b"/things/a%ED%A0%80b",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"glue.test"), (b"authorization", token)],
            "server": ("glue.test", 80),
            "client": ("127.0.0.1", 1234),
        }
        await app(scope, receive, send)
        assert sent[0]["status"] == 404
        assert json.loads(sent[1]["body"])["error"] == "NotFound"


class TestRefusedTokens:
    """The caller gets AppSync's generic words; the reason goes to the log, once, at INFO."""

    @pytest.mark.parametrize(
        ("claims", "reason"),
        [
            ({"iat": None}, 'Token is invalid: Token is missing the "iat" claim'),
            ({"exp_delta": -120}, "Token has expired"),
            ({"client_id": "someone-elses-app"}, "Token was not issued for this application"),
            ({"iss": "https://idp.evil.test"}, "Token was issued by another identity provider"),
            ({"token_use": "refresh"}, "Token use 'refresh' is not accepted"),
        ],
    )
    async def test_the_body_is_generic_and_the_log_has_the_reason(
        self, client, make_token, caplog, claims, reason
    ):
        token = make_token(**claims)
        with caplog.at_level(logging.INFO, logger="services"):
            response = await client.get("/things/1", headers={"authorization": token})
        assert (response.status_code, response.json()) == (401, GENERIC_401)
        refusals = [r for r in caplog.records if "token refused" in r.getMessage()]
        assert [r.getMessage() for r in refusals] == [f"token refused: {reason}"]
        assert refusals[0].levelno == logging.INFO
        assert all(token not in r.getMessage() for r in caplog.records)

    async def test_a_missing_token(self, client, caplog):
        with caplog.at_level(logging.INFO, logger="services"):
            response = await client.get("/things/1")
        assert (response.status_code, response.json()) == (401, GENERIC_401)
        assert "token refused: Missing authorization token" in caplog.messages
