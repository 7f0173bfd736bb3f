"""`bnpl smoke`'s pieces that need no API: arguments, the region, reading answers, the report."""

from __future__ import annotations

import io
from typing import Any

import pytest

from bnpl.cli import main
from bnpl.commands import UsageError
from bnpl.commands.smoke import STEPS, Flow, StepError, _field, region_of, run, run_flow


class Scripted:
    """Answers each operation with the next canned body."""

    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.sent: list[str] = []

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        self.sent.append(query)
        return self.answers.pop(0)


def test_region_comes_from_an_appsync_url():
    assert region_of("https://abc.appsync-api.eu-west-2.amazonaws.com/graphql") == "eu-west-2"
    assert region_of("http://127.0.0.1:4000/graphql") is None


def test_an_error_answer_carries_its_error_type():
    with pytest.raises(StepError) as raised:
        _field({"errors": [{"errorType": "Unauthorized", "message": "no"}], "data": None}, "me")
    assert (raised.value.error_type, raised.value.message) == ("Unauthorized", "no")
    with pytest.raises(StepError, match="NoData"):
        _field({"data": {"me": None}}, "me")


def test_a_failed_step_skips_the_rest():
    shopper = Scripted({"data": {"me": {"id": "c1", "verificationStatus": "VERIFIED"}}})
    merchant = Scripted({"errors": [{"errorType": "Unauthorized", "message": "not yours"}]})
    flow = Flow(
        shopper=shopper,
        merchant=merchant,
        merchant_id="m_1",
        amount=100,
        currency="GBP",
        refund_amount=10,
    )
    out = io.StringIO()
    assert run_flow(flow, out) == 1
    assert out.getvalue().splitlines() == [
        "PASS me: customer c1 (VERIFIED)",
        "FAIL createCheckout: Unauthorized: not yours",
        *(f"SKIP {step}" for step in STEPS[2:]),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "abc"}, "--url"),
        ({"region": None}, "--region"),
        ({"refund_amount": 20_000}, "--refund-amount"),
        ({"id_token": None}, "--id-token"),
    ],
)
def test_bad_arguments_are_usage_errors(monkeypatch, changes, message):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("BNPL_SMOKE_ID_TOKEN", raising=False)
    arguments: dict[str, Any] = {
        "url": "http://127.0.0.1:9/graphql",
        "id_token": "t",
        "username": None,
        "client_id": None,
        "region": "us-east-1",
        "profile": None,
        "merchant_id": "m_sandbox",
        "amount": 10_000,
        "currency": "GBP",
        "refund_amount": 1_000,
    }
    with pytest.raises(UsageError, match=message):
        run(**(arguments | changes))


def test_the_command_needs_the_url(capsys):
    assert main(["smoke"]) == 2
    assert "--url" in capsys.readouterr().err
