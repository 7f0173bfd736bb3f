"""`bnpl smoke`, the deploy-time smoke test, against the whole local stack (`bnpl dev`).

In AWS it runs after `terraform apply` with a Cognito user's ID token and the merchant's IAM
credentials; here the shopper is the sandbox `approve` persona (a dev token, verified by the same
code as Cognito's) and the merchant signs with the sandbox merchant's keys, from the environment
as the AWS default chain finds them. The flow's steps are thereby proved against an API that
answers as AppSync does, and so are its failures: a refused token, an unknown merchant, a declined
shopper.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from botocore.credentials import Credentials

from bnpl import settings as dev
from bnpl.commands.smoke import STEPS, Flow, SignedGraphQLClient, TokenGraphQLClient, run_flow
from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token
from bnpl.personas import PERSONAS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("smoke")) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60) as client:
        yield client


def token_of(stack: RunningStack, name: str) -> str:
    persona = PERSONAS[name]
    return mint_token(stack.settings, sub=persona.sub, email=persona.email, groups=persona.groups)


def merchant_credentials() -> Credentials:
    return Credentials(dev.SANDBOX_MERCHANT_ACCESS_KEY_ID, dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY)


def flow_output(
    stack: RunningStack, http: httpx.Client, *, token: str, credentials: Credentials
) -> tuple[int, list[str]]:
    url = stack.settings.graphql_url
    flow = Flow(
        shopper=TokenGraphQLClient(GraphQLClient(url, token=token, http=http)),
        merchant=SignedGraphQLClient(
            url, region=stack.settings.region, credentials=credentials, http=http
        ),
        merchant_id=dev.SANDBOX_MERCHANT_ID,
        amount=10_000,
        currency="GBP",
        refund_amount=1_000,
    )
    out = io.StringIO()
    code = run_flow(flow, out)
    return code, out.getvalue().splitlines()


def test_the_command_passes_every_step_against_the_local_stack(stack: RunningStack):
    # The merchant's keys reach the command the way they reach it in CI: from the environment,
    # through the AWS default credential chain.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "BNPL_SMOKE_"))
    }
    env |= {
        "AWS_ACCESS_KEY_ID": dev.SANDBOX_MERCHANT_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": dev.SANDBOX_MERCHANT_SECRET_ACCESS_KEY,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "BNPL_SMOKE_ID_TOKEN": token_of(stack, "approve"),
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bnpl.cli",
            "smoke",
            "--url",
            stack.settings.graphql_url,
            "--region",
            stack.settings.region,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = completed.stdout.splitlines()
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert [line.split(":")[0] for line in lines] == [f"PASS {step}" for step in STEPS]
    assert "APPROVED" in lines[2]
    assert lines[4].endswith("captured 10000")
    assert lines[5].endswith("refunded 1000")


def test_a_refused_token_fails_the_first_step_and_skips_the_rest(
    stack: RunningStack, http: httpx.Client
):
    code, lines = flow_output(stack, http, token="not-a-token", credentials=merchant_credentials())
    assert code == 1
    assert lines[0].startswith("FAIL me: UnauthorizedException"), lines
    assert lines[1:] == [f"SKIP {step}" for step in STEPS[1:]]


def test_an_unknown_merchant_fails_create_checkout(stack: RunningStack, http: httpx.Client):
    stranger = Credentials("AKIDBNPLNOTAMERCHANT", "not-the-sandbox-merchant-secret-0000000")
    code, lines = flow_output(stack, http, token=token_of(stack, "approve"), credentials=stranger)
    assert code == 1
    assert lines[0].startswith("PASS me"), lines
    assert lines[1].startswith("FAIL createCheckout: UnauthorizedException: "), lines
    assert lines[2:] == [f"SKIP {step}" for step in STEPS[2:]]


def test_a_declined_shopper_fails_apply_for_credit(stack: RunningStack, http: httpx.Client):
    code, lines = flow_output(
        stack, http, token=token_of(stack, "decline"), credentials=merchant_credentials()
    )
    assert code == 1
    assert [line.split(":")[0] for line in lines[:2]] == ["PASS me", "PASS createCheckout"]
    assert lines[2].startswith("FAIL applyForCredit: NotApproved: decision DECLINED"), lines
    assert lines[3:] == [f"SKIP {step}" for step in STEPS[3:]]
