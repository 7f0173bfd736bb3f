"""The token verifier against real RS256 keys and a JWKS served over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.shared.auth import CustomerPrincipal, ServicePrincipal, TokenVerifier, bearer_token
from services.shared.errors import DependencyFailure, UnauthorizedException
from tests.conftest import ISSUER, KID, SERVICE_CLIENT_ID


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def verifier(settings):
    return TokenVerifier(settings)


class TestAccepts:
    def test_an_id_token_of_the_web_client(self, verifier, make_token):
        token = make_token(sub="sub-1", email="ada@example.test", groups=("customers", "vip"))
        caller = verifier.verify(token)
        assert caller == CustomerPrincipal(
            sub="sub-1",
            email="ada@example.test",
            groups=("customers", "vip"),
            token=token,
            claims=caller.claims,
        )
        assert caller.claims["aud"] == "bnpl-test-web"

    @pytest.mark.parametrize("prefix", ["Bearer ", "bearer ", "BEARER  ", ""])
    def test_with_or_without_the_bearer_prefix(self, verifier, make_token, prefix):
        token = make_token()
        assert verifier.verify(prefix + token).token == token

    def test_an_access_token_of_the_web_client_has_no_email(self, verifier, make_token):
        caller = verifier.verify(make_token(token_use="access", sub="sub-2"))
        assert isinstance(caller, CustomerPrincipal)
        assert (caller.sub, caller.email) == ("sub-2", None)

    def test_the_service_clients_access_token_is_the_service(self, verifier, idp):
        token = idp.service_token()
        assert verifier.verify(token) == ServicePrincipal(
            client_id=SERVICE_CLIENT_ID, token=token, claims=verifier.verify(token).claims
        )

    def test_expiry_within_the_leeway(self, verifier, make_token):
        assert verifier.verify(make_token(exp_delta=-2)).sub == "customer-1"

    def test_keys_are_fetched_once_and_reused(self, verifier, make_token, idp):
        for n in range(5):
            verifier.verify(make_token(sub=f"s{n}"))
        assert idp.jwks_requests == 1


Reject = Callable[[str | None, str], None]


@pytest.fixture
def reject(verifier: TokenVerifier, caplog: pytest.LogCaptureFixture) -> Reject:
    """`reject(authorization, reason)`: the token is refused with AppSync's generic words, and
    the reason (a regular expression) is logged once, at INFO, without the token."""

    def check(authorization: str | None, reason: str) -> None:
        caplog.clear()
        with (
            caplog.at_level(logging.INFO, logger="services.shared.auth"),
            pytest.raises(UnauthorizedException) as caught,
        ):
            verifier.verify(authorization)
        assert caught.value.status == 401
        assert caught.value.to_json() == {
            "error": "UnauthorizedException",
            "message": "You are not authorized to make this call.",
        }
        [record] = [r for r in caplog.records if r.name == "services.shared.auth"]
        assert record.levelno == logging.INFO
        assert re.search(reason, record.getMessage()), record.getMessage()
        token = (authorization or "").removeprefix("Bearer ").strip()
        if token:
            assert token not in record.getMessage()

    return check


class TestRejects:
    @pytest.mark.parametrize("header", [None, "", "   ", "Bearer ", "Bearer"])
    def test_no_token(self, reject, header):
        reject(header, "Missing authorization token")

    @pytest.mark.parametrize("garbage", ["abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30"])
    def test_garbage(self, reject, garbage):
        reject(garbage, "malformed|invalid|unknown")

    def test_expired(self, reject, make_token):
        reject(make_token(exp_delta=-60), "expired")

    def test_tampered_claims(self, reject, make_token):
        header, payload, signature = make_token(sub="victim").split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        forged = b64(json.dumps({**claims, "sub": "attacker"}).encode())
        reject(f"{header}.{forged}.{signature}", "Signature verification failed")

    def test_tampered_signature(self, reject, make_token):
        header, payload, signature = make_token().split(".")
        flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
        reject(f"{header}.{payload}.{flipped}", "invalid")

    def test_signed_by_another_key_under_our_kid(self, reject, make_token, other_key):
        reject(make_token(key=other_key), "Signature verification failed")

    def test_wrong_issuer(self, reject, make_token):
        evil = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil"
        reject(make_token(iss=evil), "another identity provider")

    def test_alg_none_without_touching_the_network(self, reject, make_token, idp):
        claims = jwt.decode(make_token(), options={"verify_signature": False})
        unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": KID})
        reject(unsigned, "algorithm")
        assert idp.jwks_requests == 0

    def test_hs256_signed_with_the_public_key(self, reject, make_token, idp):
        """The classic key-confusion forgery: HMAC keyed with the published RSA public key."""
        public_pem = idp.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        claims = jwt.decode(make_token(), options={"verify_signature": False})
        signing_input = (
            b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
            + "."
            + b64(json.dumps(claims).encode())
        )
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        reject(f"{signing_input}.{b64(mac)}", "algorithm")

    def test_unknown_kid(self, reject, make_token):
        reject(make_token(headers={"kid": "rotated-away"}), "signing key")

    def test_id_token_for_another_app_client(self, reject, make_token):
        reject(make_token(client_id="someone-elses-app"), "not issued")

    def test_access_token_for_another_app_client(self, reject, make_token):
        token = make_token(token_use="access", client_id="someone-elses-app")
        reject(token, "not issued")

    def test_an_id_token_claiming_the_service_client(self, reject, make_token):
        # Client-credentials grants issue access tokens only; an id token for the service
        # client is not the service.
        reject(make_token(client_id=SERVICE_CLIENT_ID), "not issued")

    @pytest.mark.parametrize("claim", ["exp", "iat", "token_use", "iss"])
    def test_a_required_claim_missing(self, reject, make_token, claim):
        reject(make_token(**{claim: None}), "invalid|another identity provider")

    def test_an_unknown_token_use(self, reject, make_token):
        reject(make_token(token_use="refresh"), "not accepted")

    def test_issued_in_the_future(self, reject, make_token):
        reject(make_token(iat=int(time.time()) + 600), "invalid")


def test_unreachable_key_set_is_a_dependency_failure(settings, make_token):
    verifier = TokenVerifier(replace(settings, cognito_jwks_url="http://127.0.0.1:9/jwks.json"))
    with pytest.raises(DependencyFailure):
        verifier.verify(make_token())


def test_bearer_token_strips_only_the_scheme():
    assert bearer_token("Bearer abc.def.ghi") == "abc.def.ghi"
    assert bearer_token("abc.def.ghi") == "abc.def.ghi"


def test_issuer_is_cognitos_shape():
    assert ISSUER == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bnplTest"
