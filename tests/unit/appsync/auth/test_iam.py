"""SigV4-signed requests are verified by recomputing the signature with botocore's signer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from appsync.auth.iam import IamAuthenticator, IamConfig, IamPrincipal, SignedRequest
from appsync.auth.modes import AuthMode, Unauthenticated

URL = "http://127.0.0.1:4000/graphql"
MERCHANT = IamPrincipal(
    access_key_id="AKIDEXAMPLE000000001",
    secret_access_key="merchant-secret",
    account_id="123456789012",
    user_arn="arn:aws:iam::123456789012:user/merchant",
    username="merchant",
)
AUTHENTICATOR = IamAuthenticator(IamConfig(region="us-east-1", principals=(MERCHANT,)))
BODY = json.dumps({"query": "{ __typename }"}).encode()


def signed(
    body: bytes = BODY,
    *,
    secret: str = MERCHANT.secret_access_key,
    service: str = "appsync",
    region: str = "us-east-1",
    key_id: str = MERCHANT.access_key_id,
) -> SignedRequest:
    request = AWSRequest(
        method="POST", url=URL, data=body, headers={"content-type": "application/json"}
    )
    SigV4Auth(Credentials(key_id, secret), service, region).add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:4000"
    return SignedRequest(
        method="POST", url=URL, headers=headers, body=body, source_ip=["127.0.0.1"]
    )


def test_a_correctly_signed_request_gets_appsyncs_iam_identity():
    caller = AUTHENTICATOR.authenticate(signed())
    assert caller.mode is AuthMode.IAM
    assert caller.identity == {
        "accountId": "123456789012",
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": ["127.0.0.1"],
        "username": "merchant",
        "userArn": "arn:aws:iam::123456789012:user/merchant",
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }


def test_a_changed_body_breaks_the_signature():
    request = signed()
    tampered = SignedRequest(
        method=request.method,
        url=request.url,
        headers=request.headers,
        body=request.body.replace(b"__typename", b"me { id }"),
        source_ip=request.source_ip,
    )
    with pytest.raises(Unauthenticated, match="signature we calculated does not match"):
        AUTHENTICATOR.authenticate(tampered)


def test_the_wrong_secret_is_refused():
    with pytest.raises(Unauthenticated, match="signature we calculated does not match"):
        AUTHENTICATOR.authenticate(signed(secret="guessed"))


def test_an_unknown_access_key_is_refused():
    with pytest.raises(Unauthenticated, match="security token included in the request is invalid"):
        AUTHENTICATOR.authenticate(signed(key_id="AKIDUNKNOWN000000000"))


@pytest.mark.parametrize(
    ("service", "region"), [("execute-api", "us-east-1"), ("appsync", "eu-west-1")]
)
def test_a_signature_for_another_service_or_region_is_refused(service, region):
    with pytest.raises(Unauthenticated, match="scoped"):
        AUTHENTICATOR.authenticate(signed(service=service, region=region))


def test_an_unsigned_request_is_refused():
    request = signed()
    headers = {k: v for k, v in request.headers.items() if k != "authorization"}
    unsigned = SignedRequest(
        method="POST", url=URL, headers=headers, body=BODY, source_ip=["127.0.0.1"]
    )
    with pytest.raises(Unauthenticated):
        AUTHENTICATOR.authenticate(unsigned)


class TestClock:
    def test_a_signature_older_than_five_minutes_is_stale(self):
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5, seconds=30)
        with pytest.raises(Unauthenticated, match="Signature expired"):
            AUTHENTICATOR.authenticate(signed(), now=later)

    def test_a_signature_from_the_future_is_refused(self):
        earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)
        with pytest.raises(Unauthenticated, match="not yet current"):
            AUTHENTICATOR.authenticate(signed(), now=earlier)

    def test_a_signature_within_five_minutes_is_fine(self):
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=4)
        assert AUTHENTICATOR.authenticate(signed(), now=later).mode is AuthMode.IAM
