"""`ScoringClient` → boto3 `invoke_endpoint` → the scoring server on a real uvicorn port."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from bnpl.dynamodb_local import free_port
from bnpl.settings import PROJECT_ROOT
from services.credit.adapters.scoring import ModelScore, ScoringClient
from services.scoring.app import create_app
from services.scoring.model import TreeEnsemble
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


@pytest.fixture(scope="module")
def variants():
    # The champion and a challenger, as production variants AllTraffic and Challenger.
    app = create_app(
        challenger_dir=PROJECT_ROOT / "models" / "credit-v2", settings=Settings.from_environ({})
    )
    recorder = HeaderRecorder(app)
    with ServedApp(recorder) as served:
        yield served, recorder


APPLICANT: dict[str, float | str | None] = {
    "amount_minor": 40_000,
    "price_minor": 40_000,
    "term_months": 12,
    "home": "owner",
}


def test_target_variant_reaches_the_challenger_and_no_target_the_champion(variants):
    served, recorder = variants
    settings = settings_for(served.url)
    champion = ScoringClient(settings).score(APPLICANT)
    assert b"x-amzn-sagemaker-target-variant" not in dict(recorder.requests[-1])
    challenger = ScoringClient(settings, target_variant="Challenger").score(APPLICANT)
    assert dict(recorder.requests[-1])[b"x-amzn-sagemaker-target-variant"] == b"Challenger"
    assert (champion.model_version, challenger.model_version) == ("credit-v1", "credit-v2")
    # The same trees: credit-v2's probability is credit-v1's margin through its calibrator.
    v2 = TreeEnsemble.load(PROJECT_ROOT / "models" / "credit-v2" / "model.json")
    margin = math.log(champion.probability_bad / (1 - champion.probability_bad))
    assert challenger.probability_bad == pytest.approx(v2.probability_bad(margin), abs=1e-12)
    assert [f.code for f in challenger.factors] == [f.code for f in champion.factors]


def test_a_variant_the_endpoint_lacks_is_a_dependency_failure(server, variants):
    for served, _ in (server, variants):
        client = ScoringClient(settings_for(served.url), target_variant="Shadow")
        with pytest.raises(DependencyFailure, match="ValidationError"):
            client.score(APPLICANT)
    # Without a challenger folder the endpoint has no Challenger variant either.
    served, _ = server
    with pytest.raises(DependencyFailure, match="ValidationError"):
        ScoringClient(settings_for(served.url), target_variant="Challenger").score(APPLICANT)
