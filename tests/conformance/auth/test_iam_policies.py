"""AWS_IAM callers are held to their IAM policies: appsync:GraphQL on each root field's ARN.

A signature that verifies proves who the caller is; what they may call is their identity
policies' decision, field by field (AWS guide "How AWS AppSync works with IAM"). A root field
the policies do not allow is null with AppSync's field-level Unauthorized entry, at HTTP 200,
and its resolver never runs; the fields of the objects an allowed field returns are not checked.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from appsync.api import AppSyncApi
from appsync.auth.iam import IamConfig
from appsync.auth.iam_policy import field_arn
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from tests.conformance.resolvers.conftest import make_lambda, serve as serve_api
from tests.conformance.resolvers.harness import PRINCIPAL

__all__ = ["make_lambda", "serve_api"]  # the resolver suite's fixtures, used here

pytestmark = pytest.mark.anyio

SDL = """
type Order { id: ID! total: Int }
type Query { order(id: ID!): Order  secret: String }
type Mutation { placeOrder(id: ID!): Order  publish(id: ID!): Order }
"""
ACCOUNT, API_ID, REGION = "111122223333", "shopapi", "us-east-1"
API_ARN = f"arn:aws:appsync:{REGION}:{ACCOUNT}:apis/{API_ID}"


def merchant_policy(*fields: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "appsync:GraphQL",
                "Resource": [field_arn(API_ARN, *f.split(".")) for f in fields],
            }
        ],
    }


def build(tmp_path, make_lambda, *policies: dict[str, Any]) -> tuple[AppSyncApi, Any]:
    def answer(event: dict[str, Any]) -> Any:
        if event["info"]["fieldName"] == "secret":
            return "s3cr3t"
        return {"id": event["arguments"]["id"], "total": 100}

    source, recorder = make_lambda("fn", answer)
    principal = dataclasses.replace(PRINCIPAL, policies=policies)
    config = ApiConfig(
        default_mode=AuthMode.IAM,
        iam=IamConfig(region=REGION, principals=(principal,), account_id=ACCOUNT, api_id=API_ID),
    )
    bindings = [
        Binding(type_name=t, field_name=f, data_source="fn")
        for t, f in (
            ("Query", "order"),
            ("Query", "secret"),
            ("Mutation", "placeOrder"),
            ("Mutation", "publish"),
        )
    ]
    api = AppSyncApi(
        sdl=SDL, config=config, bindings=bindings, data_sources={"fn": source}, code_dir=tmp_path
    )
    return api, recorder


async def test_a_field_the_policy_does_not_grant_is_unauthorized_and_does_not_run(
    tmp_path, serve_api, make_lambda
):
    api, recorder = build(tmp_path, make_lambda, merchant_policy("Mutation.placeOrder"))
    client = serve_api(api)
    placed = await client.query('mutation { placeOrder(id: "o1") { id total } }')
    assert placed == {"data": {"placeOrder": {"id": "o1", "total": 100}}}
    refused = await client.query('mutation { publish(id: "o1") { id total } }')
    assert refused["data"] == {"publish": None}
    (error,) = refused["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access publish on type Mutation"
    assert error["path"] == ["publish"]
    assert [e["info"]["fieldName"] for e in recorder.events] == ["placeOrder"]


async def test_each_root_field_of_a_request_is_decided_on_its_own(tmp_path, serve_api, make_lambda):
    api, _ = build(tmp_path, make_lambda, merchant_policy("Query.order"))
    body = await serve_api(api).query('{ order(id: "o2") { id } secret }')
    assert body["data"] == {"order": {"id": "o2"}, "secret": None}
    assert [(e["path"], e["errorType"]) for e in body["errors"]] == [(["secret"], "Unauthorized")]


async def test_a_deny_statement_overrides_a_wildcard_allow(tmp_path, serve_api, make_lambda):
    everything = merchant_policy("*.*")
    deny = {
        "Statement": {"Effect": "Deny", "Action": "appsync:*", "Resource": f"{API_ARN}/*/publish"}
    }
    api, _ = build(tmp_path, make_lambda, everything, deny)
    client = serve_api(api)
    assert (await client.query('mutation { placeOrder(id: "o3") { id } }'))["data"] == {
        "placeOrder": {"id": "o3"}
    }
    refused = await client.query('mutation { publish(id: "o3") { id } }')
    assert refused["errors"][0]["errorType"] == "Unauthorized"


async def test_another_apis_arn_grants_nothing(tmp_path, serve_api, make_lambda):
    other = merchant_policy("Mutation.placeOrder")
    other_api = json.loads(json.dumps(other).replace(API_ID, "otherapi"))
    api, recorder = build(tmp_path, make_lambda, other_api)
    body = await serve_api(api).query('mutation { placeOrder(id: "o4") { id } }')
    assert body["errors"][0]["errorType"] == "Unauthorized"
    assert recorder.events == []


def test_a_policy_the_emulator_cannot_evaluate_is_refused_at_start_up(tmp_path, make_lambda):
    conditional = merchant_policy("Query.order")
    conditional["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
    with pytest.raises(ValueError, match="condition keys"):
        build(tmp_path, make_lambda, conditional)
