"""A new customer verifies their phone through the whole local stack (`bnpl dev`), as a
frontend would: GraphQL for the flow, `bnpl outbox` for the code a person would read."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bnpl.devstack import RunningStack, running_stack
from bnpl.graphql_client import GraphQLClient
from bnpl.idp.tokens import mint_token

pytestmark = pytest.mark.e2e

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { id verificationStatus }
}"""
START = """
mutation Start($channel: VerificationChannel!) {
  startVerification(channel: $channel) { challengeId channel destinationHint expiresAt }
}"""
CONFIRM = """
mutation Confirm($id: ID!, $code: String!) {
  confirmVerification(challengeId: $id, code: $code) { id verificationStatus }
}"""
ME = "{ me { id phone verificationStatus } }"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


def outbox(stack: RunningStack, destination: str) -> list[dict[str, str]]:
    """`bnpl outbox --json --to <destination>`, run as a person would, with the stack's env."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bnpl"), "outbox", "--json", "--to", destination],
        env=stack.environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    messages: list[dict[str, str]] = json.loads(result.stdout)
    return messages


def test_a_new_customer_verifies_their_phone(stack: RunningStack):
    sub = f"e2e-{uuid.uuid4()}"
    phone = f"+4477009{uuid.uuid4().int % 10**5:05d}"
    token = mint_token(stack.settings, sub=sub, email=f"{sub}@example.test", groups=("customers",))
    with httpx.Client(timeout=30) as http:
        shopper = GraphQLClient(stack.settings.graphql_url, token=token, http=http)
        profile = {
            "givenName": "Grace",
            "familyName": "Hopper",
            "dateOfBirth": "1990-12-09",
            "phone": phone,
        }
        registered = shopper.execute(REGISTER, {"input": profile})
        assert registered["data"]["registerCustomer"]["verificationStatus"] == "UNVERIFIED"

        started = shopper.execute(START, {"channel": "SMS"})
        assert "errors" not in started, started
        challenge = started["data"]["startVerification"]
        assert challenge["destinationHint"] == f"+44•••••••{phone[-3:]}"
        assert shopper.execute(ME)["data"]["me"]["verificationStatus"] == "PENDING"

        [message] = outbox(stack, phone)
        assert message["channel"] == "SMS"
        code = message["code"]
        # bnpl dev shows the outbox line in the user service's prefixed log.
        assert f"outbox: SMS to {challenge['destinationHint']}: code {code}" in stack.log()

        confirmed = shopper.execute(CONFIRM, {"id": challenge["challengeId"], "code": code})
        assert "errors" not in confirmed, confirmed
        assert confirmed["data"]["confirmVerification"] == {
            "id": sub,
            "verificationStatus": "VERIFIED",
        }
        assert shopper.execute(ME)["data"]["me"]["verificationStatus"] == "VERIFIED"

        replay = shopper.execute(CONFIRM, {"id": challenge["challengeId"], "code": code})
        assert replay["errors"][0]["errorType"] == "ChallengeUsed"

        # The code is in one log line only: the dev outbox's, which stands in for the phone
        # (no outbox runs in AWS). Confirming it, twice, logged it nowhere.
        kept = [
            line
            for path in sorted(stack.settings.log_dir.glob("*.log"))
            for line in path.read_text(encoding="utf-8").splitlines()
            if re.search(rf"(?<![\w.\-]){code}(?![\w.\-])", line)
        ]
        assert len(kept) == 1, kept
        assert f"outbox: SMS to {challenge['destinationHint']}: code {code}" in kept[0]
