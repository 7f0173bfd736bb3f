"""AppSync's `@aws_*` directives for Strawberry schemas.

They print exactly as AppSync spells them (`@aws_cognito_user_pools(cognito_groups: [...])`, snake
case), and without `directive @aws_* on ...` definitions: AppSync defines them itself and refuses
"Directive definitions are not supported." The emulator reads them back from the printed SDL
(`appsync.auth.policy`), so what is enforced locally is what is deployed.
"""

from __future__ import annotations

import strawberry
from strawberry.schema_directive import Location

_OBJECT_OR_FIELD = [Location.OBJECT, Location.FIELD_DEFINITION]


@strawberry.schema_directive(
    name="aws_cognito_user_pools", locations=_OBJECT_OR_FIELD, print_definition=False
)
class aws_cognito_user_pools:  # noqa: N801 - AppSync's spelling
    """Allows callers signed in with the API's Cognito user pool (optionally in some groups)."""

    # UNSET, not None: an unset argument must not print as `cognito_groups: null`.
    cognito_groups: list[str] | None = strawberry.directive_field(
        name="cognito_groups", default=strawberry.UNSET
    )


@strawberry.schema_directive(
    name="aws_auth", locations=[Location.FIELD_DEFINITION], print_definition=False
)
class aws_auth:  # noqa: N801 - AppSync's spelling
    """Cognito groups for APIs whose only mode is Cognito user pools."""

    cognito_groups: list[str] | None = strawberry.directive_field(
        name="cognito_groups", default=strawberry.UNSET
    )


@strawberry.schema_directive(name="aws_iam", locations=_OBJECT_OR_FIELD, print_definition=False)
class aws_iam:  # noqa: N801 - AppSync's spelling
    """Allows callers that sign requests with SigV4 (merchant backends, internal services)."""


@strawberry.schema_directive(name="aws_api_key", locations=_OBJECT_OR_FIELD, print_definition=False)
class aws_api_key:  # noqa: N801 - AppSync's spelling
    """Allows callers presenting an API key in `x-api-key`."""


@strawberry.schema_directive(name="aws_oidc", locations=_OBJECT_OR_FIELD, print_definition=False)
class aws_oidc:  # noqa: N801 - AppSync's spelling
    """Allows callers with a token from the API's OpenID Connect provider."""


@strawberry.schema_directive(name="aws_lambda", locations=_OBJECT_OR_FIELD, print_definition=False)
class aws_lambda:  # noqa: N801 - AppSync's spelling
    """Allows callers admitted by the API's Lambda authorizer."""


@strawberry.schema_directive(
    name="aws_subscribe", locations=[Location.FIELD_DEFINITION], print_definition=False
)
class aws_subscribe:  # noqa: N801 - AppSync's spelling
    """Makes a subscription field fire when one of the named mutations completes."""

    mutations: list[str] = strawberry.directive_field(name="mutations")


APPSYNC_DIRECTIVE_NAMES = frozenset(
    {
        "aws_cognito_user_pools",
        "aws_auth",
        "aws_iam",
        "aws_api_key",
        "aws_oidc",
        "aws_lambda",
        "aws_subscribe",
        "aws_publish",
    }
)

# The definitions AppSync brings with it; prepended to a schema's SDL to make it executable.
DIRECTIVE_DEFINITIONS = """
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
directive @aws_oidc on OBJECT | FIELD_DEFINITION
directive @aws_lambda on OBJECT | FIELD_DEFINITION
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION
"""
