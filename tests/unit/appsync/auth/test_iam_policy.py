"""IAM identity policies for appsync:GraphQL, evaluated as IAM evaluates them."""

from __future__ import annotations

import pytest

from appsync.auth.iam_policy import ALLOW_ALL, IamPolicy, PolicyError, field_arn

API = "arn:aws:appsync:eu-west-2:111122223333:apis/abc123"
CREATE = field_arn(API, "Mutation", "createCheckout")
PUBLISH = field_arn(API, "Mutation", "publishCheckoutUpdate")
CHECKOUT = field_arn(API, "Query", "checkout")


def allow(*resources: str, action: str | list[str] = "appsync:GraphQL") -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, "Resource": list(resources)}


def policy(*statements: dict[str, object]) -> IamPolicy:
    return IamPolicy([{"Version": "2012-10-17", "Statement": list(statements)}])


def test_a_field_is_denied_unless_a_statement_allows_it():
    granted = policy(allow(CREATE, CHECKOUT))
    assert granted.allows(CREATE)
    assert granted.allows(CHECKOUT)
    assert not granted.allows(PUBLISH)


def test_an_explicit_deny_beats_any_allow():
    granted = policy(
        allow(f"{API}/*"), {"Effect": "Deny", "Action": "appsync:*", "Resource": PUBLISH}
    )
    assert granted.allows(CREATE)
    assert not granted.allows(PUBLISH)


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (f"{API}/types/Mutation/fields/*", {CREATE, PUBLISH}),
        (f"{API}/types/*/fields/checkout", {CHECKOUT}),
        (f"{API}/types/Query/fields/checkou?", {CHECKOUT}),
        ("arn:aws:appsync:*:111122223333:apis/*", {CREATE, PUBLISH, CHECKOUT}),
        ("*", {CREATE, PUBLISH, CHECKOUT}),
        # ARNs match case-sensitively, and nothing but * and ? is a wildcard.
        (f"{API}/types/mutation/fields/createCheckout", set()),
        (f"{API}/types/Query/fields/checkout.", set()),
    ],
)
def test_resources_match_with_iam_wildcards(resource, expected):
    granted = policy(allow(resource))
    assert {arn for arn in (CREATE, PUBLISH, CHECKOUT) if granted.allows(arn)} == expected


@pytest.mark.parametrize(
    "action",
    ["appsync:GraphQL", "AppSync:graphql", "appsync:*", "*", ["s3:GetObject", "appsync:Graph*"]],
)
def test_actions_match_case_insensitively_with_wildcards(action):
    assert policy(allow(CREATE, action=action)).allows(CREATE)


@pytest.mark.parametrize("action", ["appsync:GetGraphqlApi", "s3:*", "appsync:GraphQLx"])
def test_other_actions_grant_nothing(action):
    assert not policy(allow(CREATE, action=action)).allows(CREATE)


def test_not_action_and_not_resource_invert_their_match():
    everything_but_publish = policy(
        {"Effect": "Allow", "Action": "appsync:GraphQL", "NotResource": PUBLISH}
    )
    assert everything_but_publish.allows(CREATE)
    assert not everything_but_publish.allows(PUBLISH)
    no_graphql = policy({"Effect": "Allow", "NotAction": "appsync:GraphQL", "Resource": "*"})
    assert not no_graphql.allows(CREATE)


def test_every_document_of_a_principal_applies():
    granted = IamPolicy([{"Statement": allow(CREATE)}, {"Statement": [allow(CHECKOUT)]}])
    assert granted.allows(CREATE)
    assert granted.allows(CHECKOUT)
    assert not granted.allows(PUBLISH)


def test_allow_all_allows_every_field():
    assert IamPolicy([ALLOW_ALL]).allows(PUBLISH)


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"Statement": [{**allow(CREATE), "Condition": {"IpAddress": {}}}]}, "condition"),
        ({"Statement": [{**allow(CREATE), "Principal": "*"}]}, "Principal"),
        ({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}, "Effect"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "Action"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]},
            "Action",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "Action"),
        ({"Statement": []}, "Statement"),
        ({"Statement": ["Allow"]}, "object"),
    ],
)
def test_policies_the_emulator_cannot_evaluate_faithfully_are_refused(document, says):
    with pytest.raises(PolicyError, match=says):
        IamPolicy([document])
