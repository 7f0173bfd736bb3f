"""`ScoringClient` → boto3 `invoke_endpoint` → the scoring server on a real uvicorn port."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bnpl.dynamodb_local import free_port
from services.credit.adapters.scoring import ModelScore, ScoringClient
from services.scoring.app import create_app
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from tests.functional.services.conftest import HeaderRecorder, ServedApp


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    # boto3 signs every call; the local server checks the signature's shape, not its secret.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


@pytest.fixture(scope="module")
def server():
    recorder = HeaderRecorder(create_app(settings=Settings.from_environ({})))
    with ServedApp(recorder) as served:
        yield served, recorder


def settings_for(url: str, name: str = "bnpl-credit-model") -> Settings:
    settings = Settings.from_environ({"BNPL_SCORING_ENDPOINT_URL": url})
    return replace(settings, scoring_endpoint_name=name)


def test_invoke_endpoint_through_boto3_returns_the_models_score(server):
    served, recorder = server
    client = ScoringClient(settings_for(served.url))
    score = client.score(
        {"amount_minor": 40_000, "price_minor": 40_000, "term_months": 12, "home": "owner"}
    )
    assert isinstance(score, ModelScore)
    assert score.model_version == "credit-v1"
    assert 0 < score.probability_bad < 1
    assert [f.impact for f in score.factors] == sorted(
        (f.impact for f in score.factors), reverse=True
    )
    headers = dict(recorder.requests[-1])
    assert headers[b"authorization"].startswith(b"AWS4-HMAC-SHA256 Credential=local/")
    assert b"/sagemaker/aws4_request" in headers[b"authorization"]


def test_an_unknown_endpoint_is_a_dependency_failure(server):
    served, _ = server
    client = ScoringClient(settings_for(served.url, "missing"))
    with pytest.raises(DependencyFailure, match="ValidationError"):
        client.score({})


def test_input_the_model_refuses_is_a_dependency_failure(server):
    served, _ = server
    client = ScoringClient(settings_for(served.url))
    with pytest.raises(DependencyFailure, match="ModelError"):
        client.score({"age": 30})


def test_an_endpoint_that_is_down_is_a_dependency_failure():
    client = ScoringClient(
        settings_for(f"http://127.0.0.1:{free_port()}"), connect_timeout_s=0.2, max_attempts=2
    )
    with pytest.raises(DependencyFailure, match="unavailable"):
        client.score({})
