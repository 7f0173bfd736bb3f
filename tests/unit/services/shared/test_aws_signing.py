"""SigV4 on service-to-service calls: what the user service's API Gateway (IAM auth) checks."""

from __future__ import annotations

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from services.credit.adapters.profiles import ProfileClient
from services.credit.wiring import user_service_client
from services.shared.aws_signing import SigV4
from services.shared.settings import Settings

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")


def captured(auth: SigV4) -> tuple[httpx.Request, dict[str, str]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "c1", "verificationStatus": "VERIFIED"})

    with httpx.Client(transport=httpx.MockTransport(answer), auth=auth) as http:
        ProfileClient(base_url="https://abc.execute-api.eu-west-2.amazonaws.com", http=http).me(
            "Bearer customer.jwt"
        )
    [request] = seen
    return request, dict(request.headers)


def test_the_signature_covers_the_customer_token_and_verifies():
    auth = SigV4(service="execute-api", region="eu-west-2", credentials=lambda: CREDENTIALS)
    request, headers = captured(auth)
    assert headers["x-forwarded-authorization"] == "Bearer customer.jwt"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-2/execute-api/aws4_request" in headers["authorization"]
    assert "x-forwarded-authorization" in headers["authorization"].split("SignedHeaders=")[1]
    assert headers["x-amz-security-token"] == "session-token"
    # What API Gateway does: recompute the signature over the request as received.
    again = AWSRequest(
        method=request.method,
        url=str(request.url),
        data=request.content,
        headers={
            k: v
            for k, v in headers.items()
            if k in ("host", "x-forwarded-authorization", "x-amz-date", "x-amz-security-token")
        },
    )
    signer = SigV4Auth(CREDENTIALS, "execute-api", "eu-west-2")
    again.context["timestamp"] = headers["x-amz-date"]  # the signer's moment, as received
    canonical = signer.canonical_request(again)
    string_to_sign = signer.string_to_sign(again, canonical)
    expected = signer.signature(string_to_sign, again)
    assert headers["authorization"].endswith(f"Signature={expected}")


def test_no_credentials_is_a_transport_error_not_an_unsigned_call():
    auth = SigV4(service="execute-api", region="eu-west-2", credentials=lambda: None)
    with pytest.raises(httpx.RequestError):
        captured(auth)


def test_only_iam_mode_signs_the_user_service_client():
    with user_service_client(Settings.from_environ({})) as local:
        assert not isinstance(local.auth, SigV4)
    deployed = Settings.from_environ({"BNPL_USER_SERVICE_AUTH": "iam"})
    with user_service_client(deployed) as signed:
        assert isinstance(signed.auth, SigV4)
    with pytest.raises(ValueError, match="BNPL_USER_SERVICE_AUTH"):
        Settings.from_environ({"BNPL_USER_SERVICE_AUTH": "sigv5"})
