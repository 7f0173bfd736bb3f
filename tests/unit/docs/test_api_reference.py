"""docs/api.md, the API's reference, says what the schema and the code say: every operation with
its auth modes, every type's fields, every enum's values, every error code the services answer,
the sandbox personas and the payment test tokens. Doctored copies prove each check can fail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bnpl.personas import PERSONAS
from services.credit.payments.provider import TEST_CARDS
from services.shared.errors import KNOWN_ERRORS
from tests.unit.docs.api_reference import Table, drift, parse_auth, read_schema, tables
from tests.unit.schema.stated_limits import FIGURE, LIMITS, NOT_LIMITS

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
SDL = (ROOT / "schema" / "schema.graphql").read_text(encoding="utf-8")


def table(section: str, *, subsection: str = "") -> Table:
    return next(t for t in tables(DOC) if (t.section, t.subsection) == (section, subsection))


def doctored(old: str, new: str, text: str = DOC) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once to be doctored"
    return text.replace(old, new)


def test_the_reference_agrees_with_the_schema() -> None:
    assert drift(DOC, SDL) == []


def test_the_reference_reads_every_operation_type_and_enum_of_the_schema() -> None:
    # Guards the parser: an empty reading would agree with anything.
    schema = read_schema(SDL)
    documented = sum(len(table(section).rows) for section in ("Queries", "Mutations"))
    documented += len(table("Subscriptions").rows)
    assert documented == len(schema.operations) > 20
    assert len(table("Enums").rows) == len(schema.enums) > 10
    assert {"Checkout", "CheckoutUpdateInput", "PlanConnection"} <= schema.types.keys()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "| `plan(id: ID!): PaymentPlan` | Cognito | Lambda → credit service | A payment plan, "
            "to its customer; null otherwise. |\n",
            "",
            "Query.plan is in the schema but not in docs/api.md's Queries table",
            id="operation-missing",
        ),
        pytest.param(
            "| `voidCheckout(checkoutId: ID!): Checkout!` | IAM (merchants) |",
            "| `voidCheckout(checkoutId: ID!): Checkout!` | Cognito |",
            "Mutation.voidCheckout: docs/api.md gives auth Cognito, the schema's directives "
            "give IAM",
            id="auth-changed",
        ),
        pytest.param(
            "| `reviewApplication(input: ReviewApplicationInput!): CreditApplication!` | Cognito "
            "group `underwriters` |",
            "| `reviewApplication(input: ReviewApplicationInput!): CreditApplication!` | Cognito |",
            "Mutation.reviewApplication: docs/api.md gives auth Cognito, the schema's directives "
            "give Cognito group `underwriters`",
            id="group-dropped",
        ),
        pytest.param(
            "| `onCheckoutUpdated(id: ID!): Checkout` | Cognito (shoppers), IAM (merchants) |",
            "| `onCheckoutUpdated(id: ID!): Checkout` | Cognito (shoppers), API key |",
            "Subscription.onCheckoutUpdated: docs/api.md gives auth API key, Cognito",
            id="subscription-auth",
        ),
        pytest.param(
            "| `me: Customer` | Cognito |",
            "| `me: Customer` | anyone |",
            "Query.me: auth 'anyone' is not a mode the page knows",
            id="auth-unreadable",
        ),
        pytest.param(
            "## Subscriptions\n",
            "| `deleteWebhookEndpoint(url: AWSURL!): ID!` | IAM | Lambda | gone |\n\n"
            "## Subscriptions\n",
            "Mutation.deleteWebhookEndpoint is documented but the schema has no such operation",
            id="operation-the-schema-lacks",
        ),
        pytest.param(
            "`myPlans(limit: Int, nextToken: String): PlanConnection!`",
            "`myPlans(limit: Int!, nextToken: String): PlanConnection!`",
            "Query.myPlans: docs/api.md says `myPlans(limit: Int!, nextToken: String): "
            "PlanConnection!`, the schema says `myPlans(limit: Int, nextToken: String): "
            "PlanConnection!`",
            id="signature-changed",
        ),
        pytest.param(
            "`CREATED` `APPROVED` `DECLINED` `REFERRED` `CONFIRMED` `CAPTURED` `VOIDED` `EXPIRED` "
            "`REFUNDED`",
            "`CREATED` `APPROVED` `DECLINED` `REFERRED` `CONFIRMED` `CAPTURED` `VOIDED` `EXPIRED` "
            "`PARTIALLY_REFUNDED`",
            "enum CheckoutStatus: docs/api.md lists CREATED APPROVED DECLINED REFERRED CONFIRMED "
            "CAPTURED VOIDED EXPIRED PARTIALLY_REFUNDED, the schema has CREATED APPROVED DECLINED "
            "REFERRED CONFIRMED CAPTURED VOIDED EXPIRED REFUNDED",
            id="enum-value-changed",
        ),
        pytest.param(
            "| `PaymentStatus` | `SUCCEEDED` `FAILED` |\n",
            "",
            "enum PaymentStatus is in the schema but not in docs/api.md's Enums table",
            id="enum-missing",
        ),
        pytest.param(
            "| `refundedAmount` | `Money` | refunded of the capture so far; null if nothing |\n",
            "",
            "Checkout.refundedAmount is in the schema but not in docs/api.md",
            id="field-missing",
        ),
        pytest.param(
            "| `apr` | `Float!` |",
            "| `apr` | `Int!` |",
            "Offer.apr: docs/api.md says `Int!`, the schema says `Float!`",
            id="field-type-changed",
        ),
        pytest.param(
            "### `Reason`",
            "### `Rationale`",
            "type Reason is in the schema but docs/api.md has no section for it",
            id="type-renamed",
        ),
    ],
)
def test_a_doctored_reference_is_caught(old: str, new: str, message: str) -> None:
    found = drift(doctored(old, new), SDL)
    assert any(entry.startswith(message) for entry in found), found


def test_an_operation_added_to_the_schema_is_caught() -> None:
    sdl = doctored(
        "type Query {\n", 'type Query {\n  ping(echo: String = "hi"): String @aws_iam\n', SDL
    )
    assert drift(DOC, sdl) == ["Query.ping is in the schema but not in docs/api.md's Queries table"]


def test_an_operation_without_a_directive_takes_the_default_mode() -> None:
    sdl = doctored("  me: Customer @aws_cognito_user_pools\n", "  me: Customer\n", SDL)
    assert drift(DOC, sdl) == []
    iam = doctored("  me: Customer @aws_cognito_user_pools\n", "  me: Customer @aws_iam\n", SDL)
    assert drift(DOC, iam) == [
        "Query.me: docs/api.md gives auth Cognito, the schema's directives give IAM"
    ]


def test_auth_notes_in_brackets_are_not_modes() -> None:
    assert parse_auth("Cognito (the plan's customer), IAM (merchants, the credit service)") == {
        ("Cognito", frozenset()),
        ("IAM", frozenset()),
    }


# ---------------------------------------------------------------- what the code says


def test_every_error_code_the_services_answer_is_explained() -> None:
    explained = {code for row in table("Errors").rows for code in re.findall(r"`([^`]+)`", row[0])}
    assert set(KNOWN_ERRORS) - explained == set()


def test_every_persona_is_listed_with_its_sub() -> None:
    listed = {row[0].strip("`"): row[1].strip("`") for row in table("The sandbox").rows}
    assert {name: persona.sub for name, persona in PERSONAS.items()}.items() <= listed.items()


def test_every_test_token_is_listed_with_its_card_and_failure_code() -> None:
    rows = {row[0].strip("`"): row for table_ in tables(DOC) for row in table_.rows}
    for token, card in TEST_CARDS.items():
        assert token in rows, token
        _, described, result = rows[token]
        assert described.endswith(f"ending {card.last4}"), token
        if card.failure_code is None:
            assert result == "succeeds"
        else:
            assert f"`PaymentDeclined`, failureCode `{card.failure_code}`" == result


def stale_figures(markdown: str) -> set[str]:
    """Figures in the page's Input limits table that no enforced limit has."""
    enforced = {figure for limit in LIMITS for figure in FIGURE.findall(limit.text)}
    rows = next(t for t in tables(markdown) if t.section == "Input limits").rows
    stated = {f for row in rows for f in FIGURE.findall(NOT_LIMITS.sub("", " ".join(row)))}
    return stated - enforced


def test_the_input_limits_table_states_only_enforced_figures() -> None:
    assert stale_figures(DOC) == set()


def test_a_stale_figure_in_the_input_limits_table_is_caught() -> None:
    old = "| every `idempotencyKey` | 1 to 255 printable"
    assert stale_figures(doctored(old, old.replace("255", "256"))) == {"256"}
