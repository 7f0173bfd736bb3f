"""The dev user pool's rules: Terraform's user pool (read from infra/modules/user_pool), and
Cognito's password policy messages and lockout schedule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bnpl.idp.pool import PASSWORD_FLOW, REFRESH_FLOW, SRP_FLOW, PasswordPolicy, UserPool
from bnpl.personas import PERSONAS
from bnpl.settings import DevSettings

MODULE = Path(__file__).resolve().parents[4] / "infra" / "modules" / "user_pool"


@pytest.fixture(scope="module")
def pool() -> UserPool:
    return UserPool.from_settings(DevSettings.from_environ({}))


def terraform_default(variable: str) -> str:
    text = (MODULE / "variables.tf").read_text(encoding="utf-8")
    block = re.search(rf'^variable "{variable}" \{{\n(.*?)^\}}$', text, re.M | re.S)
    assert block is not None, variable
    default = re.search(r"^  default\s*=\s*(\S+)\s*$", block.group(1), re.M)
    assert default is not None, variable
    return default.group(1)


def terraform_resource(kind: str, name: str) -> str:
    text = (MODULE / "main.tf").read_text(encoding="utf-8")
    block = re.search(rf'^resource "{kind}" "{name}" \{{\n(.*?)^\}}$', text, re.M | re.S)
    assert block is not None, name
    return block.group(1)


def test_the_password_policy_is_terraforms(pool):
    policy = terraform_resource("aws_cognito_user_pool", "this")
    assert "minimum_length                   = var.password_minimum_length" in policy
    assert pool.password_policy.minimum_length == int(terraform_default("password_minimum_length"))
    for requirement in ("lowercase", "uppercase", "numbers", "symbols"):
        assert re.search(rf"require_{requirement}\s*=\s*true", policy), requirement
        assert getattr(pool.password_policy, f"require_{requirement}") is True


def test_email_is_the_case_insensitive_auto_verified_username():
    policy = terraform_resource("aws_cognito_user_pool", "this")
    assert re.search(r'username_attributes\s*=\s*\["email"\]', policy)
    assert re.search(r'auto_verified_attributes\s*=\s*\["email"\]', policy)
    assert re.search(r"case_sensitive\s*=\s*false", policy)


def test_the_web_client_is_terraforms(pool):
    web = terraform_resource("aws_cognito_user_pool_client", "web")
    flows = re.search(r"explicit_auth_flows\s*=\s*\[(.*?)\]", web)
    assert flows is not None
    client = pool.clients["bnpl-local-web"]
    assert client.auth_flows == {f.strip().strip('"') for f in flows.group(1).split(",")}
    assert client.auth_flows == {SRP_FLOW, REFRESH_FLOW}
    assert client.secret is None  # generate_secret = false
    assert re.search(r'prevent_user_existence_errors\s*=\s*"ENABLED"', web)
    assert client.prevent_user_existence_errors
    minutes = int(terraform_default("access_token_validity_minutes"))
    assert client.access_token_validity_s == client.id_token_validity_s == minutes * 60
    days = int(terraform_default("refresh_token_validity_days"))
    assert client.refresh_token_validity_s == days * 86400


def test_the_console_client_may_also_sign_in_with_a_password(pool):
    console = pool.clients["bnpl-local-graphiql"]
    assert console.auth_flows == {PASSWORD_FLOW, SRP_FLOW, REFRESH_FLOW}
    assert console.allows("USER_PASSWORD_AUTH")
    assert console.allows("USER_SRP_AUTH")
    assert not pool.clients["bnpl-local-web"].allows("USER_PASSWORD_AUTH")
    assert not console.allows("CUSTOM_AUTH")
    assert not console.allows("ADMIN_USER_PASSWORD_AUTH")


def test_the_service_client_signs_no_user_in(pool):
    service = pool.clients["bnpl-local-credit-proxy"]
    assert service.secret is not None
    assert not service.allows("USER_SRP_AUTH")


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("Short-1a", "Password not long enough"),
        ("no-upper-case-1", "Password must have uppercase characters"),
        ("NO-LOWER-CASE-1", "Password must have lowercase characters"),
        ("No-Numbers-Here", "Password must have numeric characters"),
        ("NoSymbolsHere12", "Password must have symbol characters"),
        ("Only Space 1234", None),
        ("Good-Password-1", None),
    ],
)
def test_password_policy_messages_are_cognitos(password, complaint):
    violation = PasswordPolicy().violation(password)
    if complaint is None:
        assert violation is None
    else:
        assert violation == f"Password did not conform with policy: {complaint}"


def test_every_personas_dev_password_meets_the_policy():
    for persona in PERSONAS.values():
        assert PasswordPolicy().violation(persona.password) is None, persona.name


def test_lockout_starts_after_five_failures_and_doubles_up_to_fifteen_minutes(pool):
    assert [pool.lockout_s(n) for n in range(7)] == [0, 0, 0, 0, 0, 1, 2]
    assert pool.lockout_s(9) == 16
    assert pool.lockout_s(20) == pool.lockout_s(40) == 900


def test_the_first_lockout_is_a_setting():
    settings = DevSettings.from_environ({"BNPL_IDP_FIRST_LOCKOUT_S": "600"})
    assert UserPool.from_settings(settings).lockout_s(5) == 600
    assert UserPool.from_settings(settings).lockout_s(6) == 900
