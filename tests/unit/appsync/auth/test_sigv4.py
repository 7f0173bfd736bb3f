"""The emulator's SigV4 verification agrees with botocore's signer on every part it signs.

Requests of every shape a client may send are signed with botocore's `SigV4Auth` and must be
accepted; changing one byte of any signed part of each must get it refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings, strategies as st

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth import sigv4
from appsync.auth.iam import IamAuthenticator, IamConfig, IamPrincipal, SignedRequest
from appsync.auth.modes import AuthMode, Unauthenticated
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.datasources.lambda_function import LambdaDataSource

REGION = "eu-west-1"
MERCHANT = IamPrincipal(
    access_key_id="AKIDSIGV4TEST0000001",
    secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    account_id="123456789012",
    user_arn="arn:aws:iam::123456789012:user/merchant",
    username="merchant",
)
AUTHENTICATOR = IamAuthenticator(IamConfig(region=REGION, principals=(MERCHANT,)))
# Bounded and derandomised: the same few hundred requests on every run, in seconds.
SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
REFUSED = "signature we calculated does not match|'x-amz-content-sha256' header does not match"


@dataclass(frozen=True)
class Sent:
    """A request as a client sends it: what the server sees, and the headers it signed."""

    request: SignedRequest
    signed_headers: tuple[str, ...]


def sign(
    method: str,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    token: str | None = None,
) -> Sent:
    aws_request = AWSRequest(method=method, url=url, data=body, headers=headers)
    credentials = Credentials(MERCHANT.access_key_id, MERCHANT.secret_access_key, token)
    SigV4Auth(credentials, "appsync", REGION).add_auth(aws_request)
    seen = {name.lower(): value for name, value in aws_request.headers.items()}
    # botocore signs the URL's host but leaves sending it to the HTTP client.
    seen["host"] = urlsplit(url).netloc
    signed = seen["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    request = SignedRequest(
        method=method, url=url, headers=seen, body=body, source_ip=["127.0.0.1"]
    )
    return Sent(request=request, signed_headers=tuple(signed))


# Path segments: Unicode, percent-encoded bytes, dot segments, empty segments, sub-delims.
_SEGMENT = st.one_of(
    st.sampled_from(["", ".", "..", "graphql", "~user", "a b", "%20", "%2F", "%25", "%E2%9C%93"]),
    st.sampled_from(["!$&'()*+,;=:@", "日本", "café", "ü", "-_.", "%7E", "a%2fb"]),
    st.text(alphabet="abcXYZ09-_.~%!é€", min_size=1, max_size=6),
)
_PATH = st.lists(_SEGMENT, max_size=5).map(lambda parts: "/" + "/".join(parts))
# Query strings as sent: repeated and unsorted keys, empty values, bare keys, empty pairs.
_QUERY_PAIR = st.one_of(
    st.tuples(
        st.sampled_from(["a", "b", "B", "query", "%20", "x%2Fy", "é", "", "z"]),
        st.sampled_from(["=", ""]),
        st.sampled_from(["", "1", "2", "a+b", "%2B", "%3D", "é", "x=y", "10"]),
    ).map("".join),
    st.text(alphabet="abc=%20+", max_size=6),
)
_QUERY = st.one_of(st.none(), st.lists(_QUERY_PAIR, max_size=6).map("&".join))
# Header values with odd whitespace: runs of spaces and tabs, leading and trailing, and Unicode
# whitespace (U+00A0) that `str.split()` also splits on.
_HEADER_VALUE = st.text(alphabet='ab Z09 \t,;="/\xa0é', max_size=12)
_HEADER_NAME = st.sampled_from(
    ["X-Custom", "x-custom-b", "X-AMZ-META-thing", "Content-Type", "accept", "User-Agent", "te"]
)
_BODY = st.one_of(
    st.just(b""),
    st.binary(max_size=64),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3).map(
        lambda d: json.dumps(d).encode()
    ),
)


@st.composite
def requests(draw: st.DrawFn) -> Sent:
    method = draw(st.sampled_from(["POST", "GET"]))
    base = draw(
        st.sampled_from(
            [
                "http://appsync.test",
                "http://127.0.0.1:4000",
                "https://abcdefghij.appsync-api.eu-west-1.amazonaws.com",
            ]
        )
    )
    query = draw(_QUERY)
    url = base + draw(_PATH) + ("" if query is None else f"?{query}")
    body = draw(_BODY)
    headers = {}
    for name in draw(st.lists(_HEADER_NAME, max_size=4, unique_by=str.lower)):
        headers[name] = draw(_HEADER_VALUE)
    if draw(st.booleans()):
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    token = draw(st.one_of(st.none(), st.just("IQoJb3JpZ2luX2VjE//session+token==")))
    return sign(method, url, body, headers, token=token)


def with_headers(sent: Sent, **changed: str) -> SignedRequest:
    return replace(sent.request, headers={**sent.request.headers, **changed})


def flip(text: str, at: int) -> str:
    """`text` with the character at `at` replaced by another one."""
    at %= len(text)
    return text[:at] + ("b" if text[at] == "a" else "a") + text[at + 1 :]


def refusal(request: SignedRequest) -> str:
    """The message the request is refused with ("accepted" if it is not)."""
    try:
        AUTHENTICATOR.authenticate(request)
    except Unauthenticated as refused:
        return refused.message
    return "accepted"


@SETTINGS
@given(requests())
def test_every_request_botocore_signs_is_accepted(sent: Sent) -> None:
    assert AUTHENTICATOR.authenticate(sent.request).mode is AuthMode.IAM


@SETTINGS
@given(requests(), st.data())
def test_one_changed_byte_in_any_signed_part_is_refused(sent: Sent, data: st.DataObject) -> None:
    request = sent.request
    url = urlsplit(request.url)
    body = request.body
    tampered = {
        "body": replace(
            request, body=flip(body.decode("latin-1"), 0).encode("latin-1") if body else b"a"
        ),
        # One more byte at the end of the path or the query always changes its canonical form.
        "path": replace(request, url=url._replace(path=url.path + "a").geturl()),
        "query": replace(request, url=url._replace(query=url.query + "a").geturl()),
        "signature": with_headers(sent, authorization=flip(request.headers["authorization"], -1)),
    }
    # The seconds' last digit: still the same day and within the allowed skew.
    amz_date = request.headers["x-amz-date"]
    seconds = "1" if amz_date[-2] == "0" else "0"
    tampered["date"] = with_headers(sent, **{"x-amz-date": amz_date[:-2] + seconds + "Z"})
    signed = [name for name in sent.signed_headers if name != "x-amz-date"]
    name = data.draw(st.sampled_from(signed), label="header")
    tampered[f"header {name}"] = with_headers(sent, **{name: request.headers[name] + "a"})
    answers = {part: refusal(changed) for part, changed in tampered.items()}
    assert all(re.search(REFUSED, answer) for answer in answers.values()), answers


def test_headers_botocore_never_signs_are_left_out_as_botocore_leaves_them():
    sent = sign("POST", "http://appsync.test/graphql", b"{}", {"User-Agent": "sdk/1"})
    authorization = sent.request.headers["authorization"].replace(
        "SignedHeaders=", "SignedHeaders=user-agent;"
    )
    # The client lists `user-agent` but botocore (and so AWS's SDKs) never signs it.
    assert AUTHENTICATOR.authenticate(with_headers(sent, authorization=authorization))


def test_an_unsigned_payload_is_refused_as_not_matching_the_body():
    sent = sign(
        "POST",
        "https://abcdefghij.appsync-api.eu-west-1.amazonaws.com/graphql",
        b"{}",
        {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"},
    )
    with pytest.raises(Unauthenticated, match="'x-amz-content-sha256' header does not match"):
        AUTHENTICATOR.authenticate(sent.request)


def test_the_aws_sigv4_suite_get_vanilla_vector():
    """AWS's published SigV4 test vector `get-vanilla`, independent of botocore."""
    amz_date = "20150830T123600Z"
    assert sigv4.signature(
        method="GET",
        url="https://example.amazonaws.com/",
        headers={"host": "example.amazonaws.com", "x-amz-date": amz_date},
        signed_headers="host;x-amz-date",
        payload_hash=hashlib.sha256(b"").hexdigest(),
        amz_date=amz_date,
        secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region="us-east-1",
        service="service",
    ) == ("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")


@pytest.mark.anyio
async def test_a_signed_get_with_a_query_string_and_extra_headers_is_served_over_http():
    api = AppSyncApi(
        sdl="type Query { ping: String @aws_iam }",
        config=ApiConfig(
            default_mode=AuthMode.IAM, iam=IamConfig(region=REGION, principals=(MERCHANT,))
        ),
        bindings=[Binding(type_name="Query", field_name="ping", data_source="fn")],
        data_sources={"fn": LambdaDataSource("fn", handler=lambda *_: "pong", function_name="fn")},
        code_dir=Path(),
    )
    query = urlencode({"query": "query P { ping }", "operationName": "P", "b": "", "a": "2"})
    url = f"http://appsync.test/graphql?{query}&a=1"
    extra = {"X-Trace-Note": "  two   words\tand a tab ", "Accept": "application/json"}
    sent = sign("GET", url, b"", extra, token="session-token")
    headers = {k: v for k, v in sent.request.headers.items() if k != "host"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(api))) as client:
        response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"ping": "pong"}}


def test_the_signing_key_is_derived_once_per_day_and_scope():
    sigv4._signer.cache_clear()
    for path in ("/a", "/b", "/c"):
        sigv4.signature(
            method="POST",
            url=f"http://appsync.test{path}",
            headers={"host": "appsync.test"},
            signed_headers="host",
            payload_hash=hashlib.sha256(b"").hexdigest(),
            amz_date="20261205T101500Z",
            secret_access_key=MERCHANT.secret_access_key,
            region=REGION,
            service="appsync",
        )
    assert sigv4._signer.cache_info().misses == 1


def test_a_credential_scoped_to_anything_but_the_requests_day_is_refused():
    sent = sign("POST", "https://api.example/graphql", b"{}", {})
    day = sent.request.headers["x-amz-date"][:8]
    for scope_date in (day[:4], day + "0", "19990101"):
        authorization = sent.request.headers["authorization"].replace(
            f"/{day}/", f"/{scope_date}/", 1
        )
        assert refusal(with_headers(sent, authorization=authorization)) == (
            "X-Amz-Date is missing or does not match the credential scope."
        )
