"""Field over type over default: AppSync's precedence for `@aws_*` directives."""

from __future__ import annotations

import pytest

from appsync.auth.modes import AuthMode, Caller
from appsync.auth.policy import field_policies
from appsync.sdl import build_executable_schema

SDL = """
type Post @aws_api_key @aws_iam {
  id: ID!
  restrictedContent: String! @aws_iam
  staffNote: String @aws_cognito_user_pools(cognito_groups: ["editors", "admins"])
}
type Comment { text: String }
type Query {
  post: Post @aws_api_key @aws_iam
  comment: Comment
}
"""

COGNITO = Caller(mode=AuthMode.COGNITO, identity={"sub": "u"}, groups=frozenset({"readers"}))
ADMIN = Caller(mode=AuthMode.COGNITO, identity={"sub": "a"}, groups=frozenset({"admins"}))
IAM = Caller(mode=AuthMode.IAM, identity={"userArn": "arn"})
API_KEY = Caller(mode=AuthMode.API_KEY, identity=None)


@pytest.fixture(scope="module")
def policies():
    return field_policies(build_executable_schema(SDL), default_mode=AuthMode.COGNITO)


@pytest.mark.parametrize(
    ("field", "caller", "admitted"),
    [
        # type directives apply to fields without their own
        (("Post", "id"), API_KEY, True),
        (("Post", "id"), IAM, True),
        (("Post", "id"), COGNITO, False),
        # the AWS guide's example: a field list replaces the type list
        (("Post", "restrictedContent"), IAM, True),
        (("Post", "restrictedContent"), API_KEY, False),
        # cognito_groups: any one listed group suffices
        (("Post", "staffNote"), ADMIN, True),
        (("Post", "staffNote"), COGNITO, False),
        (("Post", "staffNote"), IAM, False),
        # no directives anywhere: the default mode only
        (("Comment", "text"), COGNITO, True),
        (("Comment", "text"), IAM, False),
        (("Query", "comment"), COGNITO, True),
        (("Query", "comment"), API_KEY, False),
    ],
)
def test_precedence(policies, field, caller, admitted):
    assert policies[field].admits(caller) is admitted


def test_deny_by_default_lets_cognito_callers_reach_only_named_fields():
    schema = build_executable_schema(SDL)
    deny = field_policies(schema, default_mode=AuthMode.COGNITO, cognito_default_action="DENY")
    assert not deny["Comment", "text"].admits(COGNITO)
    assert deny["Post", "staffNote"].admits(ADMIN)


LEGACY_SDL = """
type Query {
  staff: String @aws_auth(cognito_groups: ["admins"])
  open: String
}
"""


def test_aws_auth_grants_its_groups_when_cognito_is_the_only_mode():
    """appsync.md §1.3: `@aws_auth` works on Cognito-only APIs, any listed group suffices."""
    policies = field_policies(build_executable_schema(LEGACY_SDL), default_mode=AuthMode.COGNITO)
    assert policies["Query", "staff"].admits(ADMIN)
    assert not policies["Query", "staff"].admits(COGNITO)


def test_aws_auth_is_ignored_once_there_are_additional_modes():
    """appsync.md §1.3: not usable with additional modes; ignored there (UNVERIFIED quirk)."""
    policies = field_policies(
        build_executable_schema(LEGACY_SDL),
        default_mode=AuthMode.COGNITO,
        additional_modes=(AuthMode.IAM,),
    )
    assert policies["Query", "staff"].admits(COGNITO)
    assert not policies["Query", "staff"].admits(IAM)


def test_additional_modes_are_never_a_default():
    """appsync.md §1.3: fields without directives take the API's default mode only."""
    policies = field_policies(
        build_executable_schema(SDL),
        default_mode=AuthMode.IAM,
        additional_modes=(AuthMode.COGNITO, AuthMode.API_KEY),
    )
    assert policies["Comment", "text"].admits(IAM)
    assert not policies["Comment", "text"].admits(COGNITO)
    assert not policies["Comment", "text"].admits(API_KEY)
