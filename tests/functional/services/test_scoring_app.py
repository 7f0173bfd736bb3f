"""The scoring server in process: SageMaker's container contract and its runtime API's path."""

from __future__ import annotations

import httpx
import pytest

from services.scoring.app import create_app
from services.shared.settings import Settings

pytestmark = pytest.mark.anyio

ENDPOINT = "bnpl-credit-model"
# The shape of a SigV4 header as botocore writes it for sagemaker-runtime.
SIGNED = {
    "authorization": (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sagemaker/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=" + "a" * 64
    )
}
APPLICANT = {
    "amount_minor": 60_000,
    "price_minor": 60_000,
    "term_months": 12,
    "monthly_income_minor": 180_000,
    "monthly_expenses_minor": 150_000,
    "debt_minor": 200_000,
    "home": "rent",
    "job": "partime",
    "adverse_records": "yes",
}


@pytest.fixture
async def client():
    app = create_app(settings=Settings.from_environ({}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as http:
        yield http


async def test_ping_answers_200_once_the_model_is_loaded(client):
    response = await client.get("/ping")
    assert response.status_code == 200


async def test_invocations_score_each_instance_with_its_reasons(client):
    response = await client.post("/invocations", json={"instances": [APPLICANT, {}]})
    assert response.status_code == 200
    risky, unknown = response.json()["predictions"]
    assert risky["model_version"] == "credit-v1"
    assert 0 < risky["probability_bad"] < 1
    assert isinstance(risky["points"], int)
    impacts = [factor["impact"] for factor in risky["factors"]]
    assert impacts == sorted(impacts, reverse=True)
    assert all(impact > 0 for impact in impacts)
    codes = {factor["code"] for factor in risky["factors"]}
    assert "ADVERSE_CREDIT_RECORDS" in codes
    first = risky["factors"][0]
    assert set(first) == {"feature", "code", "description", "impact"}
    assert unknown["probability_bad"] != risky["probability_bad"]


@pytest.mark.parametrize(
    ("body", "headers", "message"),
    [
        (b"{not json", {"content-type": "application/json"}, "not valid JSON"),
        (b"", {"content-type": "application/json"}, "empty"),
        (b"[]", {"content-type": "application/json"}, "JSON object"),
        (b"{}", {"content-type": "application/json"}, "instances"),
        (b'{"instances": []}', {"content-type": "application/json"}, "at least one instance"),
        (b'{"instances": {"a": 1}}', {"content-type": "application/json"}, "instances"),
        (b'{"instances": [3]}', {"content-type": "application/json"}, "instances[0]"),
        (
            b'{"instances": [{}, {"amount_minor": "ten"}]}',
            {"content-type": "application/json"},
            "instances[1]: amount_minor must be a number or null, not str",
        ),
        (
            b'{"instances": [{"age": 41}]}',
            {"content-type": "application/json"},
            "protected attributes are never model inputs: age",
        ),
        (b'{"instances": [{}]}', {"content-type": "text/csv"}, "Content-Type must be"),
    ],
)
async def test_bad_input_is_a_400_with_a_clear_message(client, body, headers, message):
    response = await client.post("/invocations", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "ValidationError"
    assert message in response.json()["message"]


async def test_the_runtime_path_answers_like_sagemaker(client):
    response = await client.post(
        f"/endpoints/{ENDPOINT}/invocations", json={"instances": [APPLICANT]}, headers=SIGNED
    )
    assert response.status_code == 200
    assert response.headers["x-amzn-invoked-production-variant"] == "AllTraffic"
    assert response.json()["predictions"][0]["model_version"] == "credit-v1"


async def test_an_unsigned_runtime_call_is_refused(client):
    response = await client.post(f"/endpoints/{ENDPOINT}/invocations", json={"instances": [{}]})
    assert response.status_code == 403
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


async def test_an_unknown_endpoint_is_a_validation_error(client):
    response = await client.post(
        "/endpoints/nope/invocations", json={"instances": [{}]}, headers=SIGNED
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == "ValidationError"
    assert response.json()["message"] == "Endpoint nope of account 000000000000 not found."


async def test_a_rejected_instance_on_the_runtime_path_is_a_model_error(client):
    response = await client.post(
        f"/endpoints/{ENDPOINT}/invocations",
        json={"instances": [{"home": "castle"}]},
        headers=SIGNED,
    )
    assert response.status_code == 424
    assert response.headers["x-amzn-errortype"] == "ModelError"
    assert response.json()["OriginalStatusCode"] == 400
    assert "home must be one of" in response.json()["OriginalMessage"]


async def test_an_unknown_variant_is_a_validation_error_naming_it(client):
    response = await client.post(
        f"/endpoints/{ENDPOINT}/invocations",
        json={"instances": [APPLICANT]},
        headers={**SIGNED, "x-amzn-sagemaker-target-variant": "Challenger"},
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == "ValidationError"
    assert (
        response.json()["message"] == f"Endpoint {ENDPOINT} has no production variant Challenger."
    )
