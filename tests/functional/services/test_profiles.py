"""The credit service's client of the user service's `GET /customers/me`."""

from __future__ import annotations

import httpx
import pytest

from services.credit.adapters.profiles import ProfileClient
from services.credit.applications.domain import require_verified
from services.shared.errors import DependencyFailure, UnauthorizedException, VerificationRequired

PROFILE = {"id": "c1", "verificationStatus": "VERIFIED"}


def client(handler) -> ProfileClient:
    return ProfileClient(
        base_url="http://user.test", http=httpx.Client(transport=httpx.MockTransport(handler))
    )


def test_forwards_the_customers_token_and_answers_the_profile():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers["x-forwarded-authorization"]
        seen["path"] = request.url.path
        return httpx.Response(200, json=PROFILE)

    assert client(handler).me("Bearer t") == PROFILE
    assert seen == {"auth": "Bearer t", "path": "/customers/me"}


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(404, json={"error": "NotFound", "message": "no"}), VerificationRequired),
        (
            httpx.Response(401, json={"error": "UnauthorizedException", "message": "expired"}),
            UnauthorizedException,
        ),
        (httpx.Response(503, text="busy"), DependencyFailure),
        (httpx.Response(200, text="not json"), DependencyFailure),
    ],
)
def test_maps_the_user_services_answers(response, error):
    with pytest.raises(error):
        client(lambda _: response).me("Bearer t")


def test_an_unreachable_user_service_is_a_dependency_failure():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(DependencyFailure):
        client(handler).me("Bearer t")


@pytest.mark.parametrize("status", ["UNVERIFIED", "PENDING", None])
def test_only_verified_customers_may_apply(status):
    with pytest.raises(VerificationRequired):
        require_verified({"id": "c1", "verificationStatus": status})
    require_verified(PROFILE)
