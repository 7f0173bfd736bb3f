"""`bnpl token` and `bnpl gql`: tokens that verify, requests that reach a real HTTP server."""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bnpl import cli
from bnpl.idp.keys import signing_key
from bnpl.personas import DEFAULT_PERSONA, PERSONAS
from bnpl.settings import (
    SANDBOX_MERCHANT_ACCESS_KEY_ID,
    SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
    DevSettings,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    # One signing key for the module: generating an RSA key per test is slow and tests nothing.
    return tmp_path_factory.mktemp("bnpl-data")


@pytest.fixture
def settings(data_dir, monkeypatch) -> DevSettings:
    """The environment the CLI reads: a data folder of the tests' own."""
    monkeypatch.setenv("BNPL_DATA_DIR", str(data_dir))
    monkeypatch.delenv("AWS_REGION", raising=False)
    return DevSettings.from_environ()


def decode(settings: DevSettings, token: str, *, audience: str | None = None) -> dict[str, Any]:
    public = signing_key(settings.signing_key_path).private_key.public_key()
    claims: dict[str, Any] = jwt.decode(
        token,
        public,
        algorithms=["RS256"],
        issuer=settings.issuer,
        audience=audience,
        options={"verify_aud": audience is not None},
    )
    return claims


def printed_token(capsys: pytest.CaptureFixture[str]) -> str:
    out: str = capsys.readouterr().out
    assert out.count("\n") == 1, "one line, the token"
    return out.strip()


# ---------------------------------------------------------------- bnpl token


def test_token_for_a_persona_verifies_and_carries_the_persona(settings, capsys):
    assert cli.main(["token", "approve"]) == 0
    claims = decode(settings, printed_token(capsys), audience=settings.web_client_id)
    persona = PERSONAS["approve"]
    assert claims["sub"] == persona.sub
    assert claims["email"] == persona.email
    assert claims["cognito:groups"] == list(persona.groups)
    assert claims["token_use"] == "id"
    assert claims["exp"] - claims["iat"] == 3600


def test_group_adds_groups_after_the_personas_own(settings, capsys):
    assert cli.main(["token", "approve", "--group", "underwriters", "--group", "beta"]) == 0
    claims = decode(settings, printed_token(capsys), audience=settings.web_client_id)
    assert claims["cognito:groups"] == ["customers", "underwriters", "beta"]


def test_any_other_name_is_a_sub(settings, capsys):
    assert cli.main(["token", "c-123", "--ttl", "60"]) == 0
    claims = decode(settings, printed_token(capsys), audience=settings.web_client_id)
    assert claims["sub"] == claims["cognito:username"] == "c-123"
    assert claims["email"] == "c-123@example.test"
    assert "cognito:groups" not in claims
    assert claims["exp"] - claims["iat"] == 60


def test_access_token_with_an_explicit_email(settings, capsys):
    assert cli.main(["token", "refer", "--access", "--email", "r@x.test"]) == 0
    claims = decode(settings, printed_token(capsys))
    assert claims["token_use"] == "access"
    assert claims["client_id"] == settings.web_client_id
    assert "aud" not in claims
    assert "email" not in claims  # Cognito's access tokens carry no email


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["token", "approve", "--ttl", "0"], id="ttl-zero"),
        pytest.param(["token", "approve", "--ttl", "2d"], id="ttl-not-a-number"),
        pytest.param(["token", "has space"], id="sub-with-space"),
        pytest.param(["token", "approve", "--email", "nobody"], id="bad-email"),
        pytest.param(["token"], id="missing-subject"),
    ],
)
def test_token_usage_errors_exit_2_and_print_no_token(settings, capsys, argv):
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip()


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: bnpl" in capsys.readouterr().err


# ---------------------------------------------------------------- bnpl gql


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeEndpoint:
    """A real HTTP server on a free port that records requests and answers a set body."""

    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    reply: bytes = b'{"data": {"ok": true}}'


@pytest.fixture
def endpoint():
    state = FakeEndpoint(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            state.requests.append(Recorded("POST", self.path, headers, body))
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.reply)))
            self.end_headers()
            self.wfile.write(state.reply)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/graphql"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]+)$"
)


def recompute_signature(request: Recorded, url: str, body: bytes, region: str) -> str:
    """Sign the recorded request again with botocore, at the time the client signed it."""
    match = AUTHORIZATION.match(request.headers["authorization"])
    assert match, request.headers["authorization"]
    signed = match["signed"].split(";")
    aws_request = AWSRequest(
        method=request.method,
        url=url,
        data=body,
        headers={name: request.headers[name] for name in signed},
    )
    aws_request.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(
        Credentials(SANDBOX_MERCHANT_ACCESS_KEY_ID, SANDBOX_MERCHANT_SECRET_ACCESS_KEY),
        "appsync",
        region,
    )
    canonical = signer.canonical_request(aws_request)
    return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))


def test_gql_iam_signs_the_request_with_sigv4(settings, endpoint, capsys):
    document = "mutation { createCheckout(input: $input) { id } }"
    code = cli.main(
        ["gql", "--iam", document, "--variables", '{"input": {"n": 1}}', "--url", endpoint.url]
    )

    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"data": {"ok": True}}
    (request,) = endpoint.requests
    assert json.loads(request.body) == {"query": document, "variables": {"input": {"n": 1}}}
    match = AUTHORIZATION.match(request.headers["authorization"])
    assert match
    assert (match["key"], match["region"], match["service"]) == (
        SANDBOX_MERCHANT_ACCESS_KEY_ID,
        settings.region,
        "appsync",
    )
    assert {"host", "x-amz-date", "content-type"} <= set(match["signed"].split(";"))
    assert recompute_signature(request, endpoint.url, request.body, settings.region) == match["sig"]
    # The check has teeth: another body gives another signature.
    assert recompute_signature(request, endpoint.url, b"{}", settings.region) != match["sig"]


def test_gql_as_a_persona_sends_its_token(settings, endpoint):
    assert cli.main(["gql", "--as", "refer", "{ me { id } }", "--url", endpoint.url]) == 0
    (request,) = endpoint.requests
    claims = decode(settings, request.headers["authorization"], audience=settings.web_client_id)
    assert claims["sub"] == PERSONAS["refer"].sub
    assert "x-amz-date" not in request.headers


def test_gql_defaults_to_the_default_persona_and_the_settings_url(settings, endpoint, monkeypatch):
    port = endpoint.url.split(":")[2].split("/")[0]
    monkeypatch.setenv("BNPL_APPSYNC_PORT", port)
    assert cli.main(["gql", "{ me { id } }"]) == 0
    (request,) = endpoint.requests
    assert request.path == "/graphql"
    claims = decode(settings, request.headers["authorization"], audience=settings.web_client_id)
    assert claims["sub"] == PERSONAS[DEFAULT_PERSONA].sub


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        pytest.param(200, b'{"data": null, "errors": [{"message": "no"}]}', id="graphql-errors"),
        pytest.param(401, b'{"errors": [{"errorType": "UnauthorizedException"}]}', id="http-401"),
        pytest.param(502, b"Bad Gateway", id="not-json"),
    ],
)
def test_gql_exits_1_on_errors(settings, endpoint, capsys, status, reply):
    endpoint.status, endpoint.reply = status, reply
    assert cli.main(["gql", "{ me { id } }", "--url", endpoint.url]) == 1
    captured = capsys.readouterr()
    if status == 502:
        assert captured.out.strip() == "Bad Gateway"
        assert "HTTP 502" in captured.err
    else:
        assert json.loads(captured.out) == json.loads(reply)


@pytest.mark.parametrize(
    "variables", [pytest.param("{bad", id="not-json"), pytest.param("[1, 2]", id="not-object")]
)
def test_gql_bad_variables_exit_2_with_one_line_and_send_nothing(
    settings, endpoint, capsys, variables
):
    code = cli.main(["gql", "{ me { id } }", "--variables", variables, "--url", endpoint.url])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("bnpl gql: --variables")
    assert endpoint.requests == []


def test_gql_iam_and_as_are_exclusive(settings, endpoint):
    assert cli.main(["gql", "--iam", "--as", "approve", "{ me { id } }"]) == 2
    assert endpoint.requests == []


def test_gql_unreachable_endpoint_exits_1(settings, capsys):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    assert cli.main(["gql", "{ me { id } }", "--url", url]) == 1
    assert f"cannot reach {url}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("status", "reply"),
    [
        pytest.param(
            200,
            b'{"data": null, "errors": [{"path": null, "locations": [{"line": 1, "column": 8}],'
            b' "message": "Validation error of type FieldUndefined: Field \'idx\' in type '
            b"'Customer' is undefined @ 'me/idx'\"}]}",
            id="validation-error",
        ),
        pytest.param(
            200,
            b'{"data": {"me": null}, "errors": [{"path": ["me"], "errorType": "NotFound",'
            b' "message": "gone"}]}',
            id="resolver-error-beside-data",
        ),
        pytest.param(
            400,
            b'{"errors": [{"errorType": "MalformedHttpRequestException",'
            b' "message": "Unable to parse GraphQL query."}]}',
            id="http-400-malformed",
        ),
        pytest.param(500, b'{"data": {"me": null}}', id="http-500-without-errors"),
    ],
)
def test_gql_exits_1_on_every_kind_of_error(settings, endpoint, capsys, status, reply):
    endpoint.status, endpoint.reply = status, reply
    assert cli.main(["gql", "{ me { idx } }", "--url", endpoint.url]) == 1
    assert json.loads(capsys.readouterr().out) == json.loads(reply)


def test_gql_exits_0_on_data_with_an_empty_errors_list(settings, endpoint):
    endpoint.reply = b'{"data": {"me": null}, "errors": []}'
    assert cli.main(["gql", "{ me { id } }", "--url", endpoint.url]) == 0


# ---------------------------------------------------------------- names that are no persona


def test_gql_as_a_misspelt_persona_warns_and_still_sends_a_token_for_that_sub(
    settings, endpoint, capsys
):
    assert cli.main(["gql", "--as", "aprove", "{ me { id } }", "--url", endpoint.url]) == 0

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("bnpl gql: 'aprove' is not a sandbox persona (")
    assert all(name in err for name in PERSONAS)
    assert "minting a token for a new subject 'aprove'" in err
    assert "did you mean 'approve'?" in err
    (request,) = endpoint.requests
    claims = decode(settings, request.headers["authorization"], audience=settings.web_client_id)
    assert claims["sub"] == "aprove"


def test_token_for_a_name_near_no_persona_warns_without_a_suggestion(settings, capsys):
    assert cli.main(["token", "shopper-42"]) == 0

    captured = capsys.readouterr()
    claims = decode(settings, captured.out.strip(), audience=settings.web_client_id)
    assert claims["sub"] == "shopper-42"
    assert captured.err.startswith("bnpl token: 'shopper-42' is not a sandbox persona")
    assert "minting a token for a new subject 'shopper-42'" in captured.err
    assert "did you mean" not in captured.err


def test_token_suggests_the_closest_persona(settings, capsys):
    assert cli.main(["token", "undrwriter"]) == 0
    assert "did you mean 'underwriter'?" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["token", "decline"], ["gql", "--as", "refer", "{ me { id } }"]])
def test_a_persona_gets_no_warning(settings, endpoint, capsys, argv):
    assert cli.main([*argv, *(["--url", endpoint.url] if argv[0] == "gql" else [])]) == 0
    assert capsys.readouterr().err == ""
