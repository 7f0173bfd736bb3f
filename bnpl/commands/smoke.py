"""`bnpl smoke`: the checkout flow against a deployed API, step by step, after `terraform apply`.

It drives what a checkout page and a merchant backend do, each with its own identity:

1. `me`: the shopper's Cognito ID token is accepted and the user service answers;
2. `createCheckout`: the merchant's backend, SigV4-signed (AWS_IAM), through the credit proxy
   Lambda to the credit service;
3. `applyForCredit`: the shopper's application is screened and approved with a PAY_IN_4 offer
   (bureau, bank data, scoring endpoint, policy);
4. `acceptOffer`: the plan is created and the first instalment charged to the `tok_visa` sandbox
   card;
5. `captureCheckout`: the merchant captures the whole order;
6. `refundCheckout`: the merchant refunds part of it.

Each step prints PASS or FAIL, with AppSync's `errorType` and message on failure; the steps after
a failure depend on it and are printed as SKIP. The exit code is 0 when every step passed, 1
otherwise, and 2 for bad arguments.

The shopper must be a registered, verified customer whose credit file is approved, and the
merchant's IAM principal must be one of `--merchant-id`'s principals in the merchants table. The
ID token is given (`--id-token`, or BNPL_SMOKE_ID_TOKEN), or obtained from Cognito with
`InitiateAuth` (USER_PASSWORD_AUTH) for `--username` and `--client-id`, with the password from
BNPL_SMOKE_PASSWORD or a prompt. The user pool's web client allows only SRP sign-in, so
`--username` needs an app client that allows USER_PASSWORD_AUTH; otherwise sign in as a front end
does and pass the ID token. The merchant's credentials come from the AWS default chain
(`--profile` to pick one).

Every run creates a new checkout, application and plan (random idempotency keys and merchant
reference `smoke-<uuid>`), and moves real sandbox money: run it against sandbox environments.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from bnpl.commands import UsageError
from bnpl.graphql_client import GraphQLClient

ME = "query Me { me { id verificationStatus } }"
CREATE_CHECKOUT = """
mutation Create($input: CreateCheckoutInput!) { createCheckout(input: $input) { id status } }"""
APPLY = """
mutation Apply($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    id status decision { outcome reasons { code } } offers { id product }
  }
}"""
ACCEPT = """
mutation Accept($input: AcceptOfferInput!) {
  acceptOffer(input: $input) { id status payments { status amount { amount } } }
}"""
MERCHANT_FIELDS = "id status capturedAmount { amount } refundedAmount { amount }"
CAPTURE = f"""
mutation Capture($input: CaptureCheckoutInput!) {{
  captureCheckout(input: $input) {{ {MERCHANT_FIELDS} }}
}}"""
REFUND = f"""
mutation Refund($input: RefundCheckoutInput!) {{
  refundCheckout(input: $input) {{ {MERCHANT_FIELDS} }}
}}"""

STEPS = (
    "me",
    "createCheckout",
    "applyForCredit",
    "acceptOffer",
    "captureCheckout",
    "refundCheckout",
)
PRODUCT = "PAY_IN_4"
CARD_TOKEN = "tok_visa"  # noqa: S105 - the sandbox payment provider's test card, not a secret
_APPSYNC_HOST = re.compile(r"\.appsync-api\.([a-z0-9-]+)\.amazonaws\.com$")


class StepError(Exception):
    """A step's answer was an error, or not what the flow needs to go on."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message


class SignedGraphQLClient:
    """Posts GraphQL requests signed with SigV4 (service `appsync`) with credentials from a
    provider, session tokens included: what a merchant backend with an IAM role does."""

    def __init__(
        self,
        url: str,
        *,
        region: str,
        credentials: Credentials,
        http: httpx.Client,
    ) -> None:
        self.url = url
        self._region = region
        self._credentials = credentials
        self._http = http

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation, signed; return the decoded response body."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        request = AWSRequest(
            method="POST", url=self.url, data=body, headers={"content-type": "application/json"}
        )
        # Refreshable credentials (an assumed role's) renew themselves when read here.
        SigV4Auth(self._credentials, "appsync", self._region).add_auth(request)
        response = self._http.post(self.url, content=body, headers=dict(request.headers.items()))
        return _decoded(response)


class Executor(Protocol):
    """What a step sends its operation with."""

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation; return the decoded response body."""
        ...


class TokenGraphQLClient:
    """The shopper: `GraphQLClient` with the ID token, answers decoded as `_decoded` does."""

    def __init__(self, client: GraphQLClient) -> None:
        self._client = client

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation with the token; return the decoded response body."""
        return _decoded(self._client.post(query, variables))


def _decoded(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise StepError(f"HTTP {response.status_code}", response.text[:200]) from None
    if not isinstance(body, dict):
        raise StepError(f"HTTP {response.status_code}", str(body)[:200])
    return body


def _field(body: dict[str, Any], name: str) -> Any:
    """The operation's field, or StepError with the first error's errorType and message."""
    errors = body.get("errors")
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        raise StepError(
            str(first.get("errorType") or "GraphQLError"), str(first.get("message", ""))
        )
    value = (body.get("data") or {}).get(name)
    if value is None:
        raise StepError("NoData", f"{name} answered null")
    return value


@dataclass(frozen=True, kw_only=True)
class Flow:
    """The two callers of the flow and what it buys."""

    shopper: Executor
    merchant: Executor
    merchant_id: str
    amount: int
    currency: str
    refund_amount: int


def run_flow(flow: Flow, out: TextIO) -> int:
    """Run the steps in order, print PASS/FAIL/SKIP for each; 0 when all passed, else 1."""
    money = {"amount": flow.amount, "currency": flow.currency}
    state: dict[str, str] = {}

    def me() -> str:
        found = _field(flow.shopper.execute(ME), "me")
        return f"customer {found['id']} ({found.get('verificationStatus')})"

    def create_checkout() -> str:
        line = {"sku": "SMOKE-1", "name": "Smoke test", "quantity": 1, "unitPrice": money}
        created = _field(
            flow.merchant.execute(
                CREATE_CHECKOUT,
                {
                    "input": {
                        "merchantId": flow.merchant_id,
                        "merchantReference": f"smoke-{uuid.uuid4()}",
                        "amount": money,
                        "items": [line],
                    }
                },
            ),
            "createCheckout",
        )
        state["checkout"] = created["id"]
        return f"checkout {created['id']} {created['status']}"

    def apply_for_credit() -> str:
        key = str(uuid.uuid4())
        application = _field(
            flow.shopper.execute(
                APPLY, {"input": {"checkoutId": state["checkout"], "idempotencyKey": key}}
            ),
            "applyForCredit",
        )
        decision = application.get("decision") or {}
        outcome = decision.get("outcome")
        if outcome != "APPROVED":
            reasons = [r.get("code") for r in decision.get("reasons") or []]
            raise StepError("NotApproved", f"decision {outcome} {reasons}")
        offers = [o["id"] for o in application.get("offers") or [] if o["product"] == PRODUCT]
        if not offers:
            raise StepError("NoOffer", f"no {PRODUCT} offer")
        state["application"], state["offer"] = application["id"], offers[0]
        return f"application {application['id']} APPROVED"

    def accept_offer() -> str:
        plan = _field(
            flow.shopper.execute(
                ACCEPT,
                {
                    "input": {
                        "applicationId": state["application"],
                        "offerId": state["offer"],
                        "paymentMethodToken": CARD_TOKEN,
                        "idempotencyKey": str(uuid.uuid4()),
                    }
                },
            ),
            "acceptOffer",
        )
        return f"plan {plan['id']} {plan['status']}"

    def capture_checkout() -> str:
        key = str(uuid.uuid4())
        captured = _field(
            flow.merchant.execute(
                CAPTURE, {"input": {"checkoutId": state["checkout"], "idempotencyKey": key}}
            ),
            "captureCheckout",
        )
        return f"checkout {captured['status']}, captured {captured['capturedAmount']['amount']}"

    def refund_checkout() -> str:
        refund = {
            "checkoutId": state["checkout"],
            "amount": {"amount": flow.refund_amount, "currency": flow.currency},
            "idempotencyKey": str(uuid.uuid4()),
        }
        refunded = _field(flow.merchant.execute(REFUND, {"input": refund}), "refundCheckout")
        return f"checkout {refunded['status']}, refunded {refunded['refundedAmount']['amount']}"

    steps: dict[str, Callable[[], str]] = {
        "me": me,
        "createCheckout": create_checkout,
        "applyForCredit": apply_for_credit,
        "acceptOffer": accept_offer,
        "captureCheckout": capture_checkout,
        "refundCheckout": refund_checkout,
    }
    failed = False
    for name in STEPS:
        if failed:
            out.write(f"SKIP {name}\n")
            continue
        try:
            detail = steps[name]()
        except StepError as error:
            out.write(f"FAIL {name}: {error.error_type}: {error.message}\n")
            failed = True
        except httpx.HTTPError as error:
            out.write(f"FAIL {name}: {type(error).__name__}: {error}\n")
            failed = True
        else:
            out.write(f"PASS {name}: {detail}\n")
        out.flush()
    return 1 if failed else 0


def region_of(url: str) -> str | None:
    """The region in an AppSync endpoint's host name, if it has one."""
    host = httpx.URL(url).host
    match = _APPSYNC_HOST.search(host)
    return match.group(1) if match else None


def cognito_id_token(
    *, region: str, client_id: str, username: str, password: str, session: Any
) -> str:
    """An ID token from Cognito's USER_PASSWORD_AUTH flow.

    Raises:
        UsageError: Cognito refused, or asked for a challenge (new password, MFA) first.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    client = session.client("cognito-idp", region_name=region)
    try:
        answer = client.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except (ClientError, BotoCoreError) as error:
        raise UsageError(f"Cognito refused the sign-in: {error}") from None
    result = answer.get("AuthenticationResult")
    if not result:
        challenge = answer.get("ChallengeName", "a challenge")
        raise UsageError(f"Cognito asks for {challenge} first; sign in once by hand")
    token: str = result["IdToken"]
    return token


def run(
    *,
    url: str,
    id_token: str | None,
    username: str | None,
    client_id: str | None,
    region: str | None,
    profile: str | None,
    merchant_id: str,
    amount: int,
    currency: str,
    refund_amount: int,
    out: TextIO = sys.stdout,
) -> int:
    """`bnpl smoke`: see the module's description."""
    import boto3

    if not url.startswith(("https://", "http://")):
        raise UsageError("--url must be the API's GraphQL URL (https://…/graphql)")
    region = region or region_of(url) or os.environ.get("AWS_REGION")
    if not region:
        raise UsageError("--region is needed: the URL names none and AWS_REGION is not set")
    if not 0 < refund_amount <= amount:
        raise UsageError("--refund-amount must be above 0 and at most --amount")
    session = boto3.Session(profile_name=profile, region_name=region)
    token = id_token or os.environ.get("BNPL_SMOKE_ID_TOKEN")
    if not token:
        if not (username and client_id):
            raise UsageError("give --id-token, or --username and --client-id to sign in")
        password = os.environ.get("BNPL_SMOKE_PASSWORD") or getpass.getpass(
            f"Password of {username}: "
        )
        token = cognito_id_token(
            region=region,
            client_id=client_id,
            username=username,
            password=password,
            session=session,
        )
    credentials = session.get_credentials()
    if credentials is None:
        raise UsageError("no AWS credentials for the merchant (the default chain found none)")
    with httpx.Client(timeout=60) as http:
        flow = Flow(
            shopper=TokenGraphQLClient(GraphQLClient(url, token=token, http=http)),
            merchant=SignedGraphQLClient(url, region=region, credentials=credentials, http=http),
            merchant_id=merchant_id,
            amount=amount,
            currency=currency,
            refund_amount=refund_amount,
        )
        return run_flow(flow, out)
