"""What a front end gets from the deployed dev environment: a web app client limited to the flows
the web page uses, and an Amplify configuration of the same shape as the local stack's (which
adds only the dev identity provider's `userPoolEndpoint`). Read from the dev root's plan (see
`dev_plan.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bnpl.commands import amplify_config
from bnpl.settings import DevSettings
from tests.infra.dev_plan import DevPlan, dev_plan

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
) -> DevPlan:
    return dev_plan(
        tmp_path_factory, binary=terraform_binary, version=terraform_version, mirror=provider_mirror
    )


@pytest.fixture
def local() -> DevSettings:
    return DevSettings.from_environ({})


def shape(document: Any) -> Any:
    """The keys of a JSON document, recursively, without its values."""
    if isinstance(document, dict):
        return {key: shape(value) for key, value in document.items()}
    return type(document).__name__


def test_the_web_client_allows_exactly_srp_sign_in_and_refresh(planned):
    [web] = [
        client
        for client in planned.of_type("aws_cognito_user_pool_client")
        if client.values["name"].endswith("-web")
    ]
    assert sorted(web.values["explicit_auth_flows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert web.values["generate_secret"] is False


def test_the_deployed_amplify_config_is_the_local_one_without_the_endpoint(planned, local):
    deployed = planned.outputs["amplify_config"]
    here = amplify_config.resources_config(local)
    endpoint = here["Auth"]["Cognito"].pop("userPoolEndpoint")

    assert endpoint.startswith("https://")
    assert shape(deployed) == shape(here)
    assert deployed["Auth"]["Cognito"]["loginWith"] == here["Auth"]["Cognito"]["loginWith"]
    assert deployed["API"]["GraphQL"]["defaultAuthMode"] == "userPool"
    assert deployed["API"]["GraphQL"]["endpoint"] == planned.outputs["graphql_url"]
    assert deployed["Auth"]["Cognito"]["userPoolClientId"] == planned.outputs["web_client_id"]


def test_the_deployed_amplify_outputs_are_the_local_ones_without_custom(planned, local):
    deployed = planned.outputs["amplify_outputs"]
    here = amplify_config.outputs(local)
    here.pop("custom")

    assert shape(deployed) == shape(here)
    for key in ("username_attributes", "user_verification_types"):
        assert deployed["auth"][key] == here["auth"][key]
    for key in ("default_authorization_type", "authorization_types"):
        assert deployed["data"][key] == here["data"][key]
    assert deployed["version"] == here["version"]
