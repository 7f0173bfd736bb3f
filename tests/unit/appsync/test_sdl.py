"""The schema printed for AppSync, and refused the way AppSync refuses schemas."""

from __future__ import annotations

from typing import NewType

import pytest
import strawberry
from graphql import GraphQLError, graphql_sync
from strawberry.schema.config import StrawberryConfig
from strawberry.schema_directive import Location
from strawberry.types.scalar import ScalarDefinition

from appsync.directives import aws_cognito_user_pools, aws_iam
from appsync.scalars import SCALAR_MAP, AWSDateTime, AWSEmail
from appsync.sdl import SchemaError, appsync_sdl, build_executable_schema


@strawberry.type(directives=[aws_cognito_user_pools(), aws_iam()])
class Item:
    id: strawberry.ID
    created_at: AWSDateTime
    owner_email: AWSEmail | None = strawberry.field(
        directives=[aws_cognito_user_pools(cognito_groups=["admins", "support"])]
    )


Cents = NewType("Cents", int)


@strawberry.type
class Priced:
    price: Cents


@strawberry.type
class Query:
    item: Item | None = strawberry.field(directives=[aws_iam()])


def _schema(query: type = Query) -> strawberry.Schema:
    return strawberry.Schema(query=query, config=StrawberryConfig(scalar_map=SCALAR_MAP))


class TestAppSyncSdl:
    def test_directives_print_with_appsync_spelling_and_no_definitions(self):
        sdl = appsync_sdl(_schema())
        assert (
            'ownerEmail: AWSEmail @aws_cognito_user_pools(cognito_groups: ["admins", "support"])'
            in sdl
        )
        assert "type Item @aws_cognito_user_pools @aws_iam {" in sdl
        assert "directive @" not in sdl

    def test_aws_scalars_are_used_but_not_declared(self):
        sdl = appsync_sdl(_schema())
        assert "createdAt: AWSDateTime!" in sdl
        assert "scalar AWS" not in sdl

    def test_a_schema_declaring_its_own_aws_scalar_is_refused(self):
        own = strawberry.scalar(name="AWSDateTime", serialize=str, parse_value=str)
        schema = strawberry.Schema(
            query=Query, config=StrawberryConfig(scalar_map={**SCALAR_MAP, AWSDateTime: own})
        )
        with pytest.raises(SchemaError, match="'AWSDateTime' cannot be declared"):
            appsync_sdl(schema)

    def test_custom_scalars_are_refused(self):
        scalar_map: dict[object, ScalarDefinition] = {
            Cents: strawberry.scalar(name="Cents", serialize=int, parse_value=int)
        }
        schema = strawberry.Schema(query=Priced, config=StrawberryConfig(scalar_map=scalar_map))
        with pytest.raises(SchemaError, match="does not support custom scalars"):
            appsync_sdl(schema)


class TestExecutableSchema:
    def test_round_trips_the_printed_sdl(self):
        schema = build_executable_schema(appsync_sdl(_schema()))
        assert schema.get_type("Item") is not None
        assert schema.get_directive("aws_cognito_user_pools") is not None

    def test_directive_definitions_are_refused_with_appsyncs_message(self):
        with pytest.raises(SchemaError, match=r"^Directive definitions are not supported\.$"):
            build_executable_schema("directive @aws_iam on OBJECT\ntype Query { a: Int }")

    def test_declared_aws_scalars_are_refused(self):
        with pytest.raises(SchemaError, match="AWSDate"):
            build_executable_schema("scalar AWSDate\ntype Query { a: AWSDate }")

    def test_the_aws_prefix_is_reserved(self):
        with pytest.raises(SchemaError, match="reserved"):
            build_executable_schema("type Query { a: AWSThing }\ntype AWSThing { b: Int }")

    def test_aws_scalars_validate_inputs(self):
        schema = build_executable_schema("type Query { echo(at: AWSDateTime!): AWSDateTime }")
        schema.query_type.fields["echo"].resolve = lambda _s, _i, at: at  # type: ignore[union-attr]
        ok = graphql_sync(schema, 'query { echo(at: "2026-11-22T06:21:00Z") }')
        assert ok.data == {"echo": "2026-11-22T06:21:00Z"}
        bad = graphql_sync(schema, 'query { echo(at: "2026-11-22T06:21:00") }')
        assert bad.errors
        assert isinstance(bad.errors[0], GraphQLError)
        assert "Unable to parse `2026-11-22T06:21:00` as a valid DateTime Object." in (
            bad.errors[0].message
        )


class TestStartUpRefusals:
    """appsync.md §2 / §1.2: AppSync brings the AWS scalars and `aws_*` directives itself and
    refuses schemas that declare them ("Directive definitions are not supported.")."""

    @pytest.mark.parametrize(
        "scalar",
        [
            "AWSDate",
            "AWSTime",
            "AWSDateTime",
            "AWSTimestamp",
            "AWSEmail",
            "AWSJSON",
            "AWSPhone",
            "AWSURL",
            "AWSIPAddress",
        ],
    )
    def test_every_aws_scalar_declared_in_sdl_is_refused(self, scalar):
        with pytest.raises(SchemaError, match=f"'{scalar}' cannot be declared"):
            build_executable_schema(f"scalar {scalar}\ntype Query {{ a: {scalar} }}")

    @pytest.mark.parametrize(
        "definition",
        [
            "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION",
            "directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT",
            "directive @aws_api_key on FIELD_DEFINITION",
        ],
    )
    def test_every_directive_definition_is_refused(self, definition):
        with pytest.raises(SchemaError, match=r"^Directive definitions are not supported\.$"):
            build_executable_schema(f"{definition}\ntype Query {{ a: Int }}")

    def test_a_strawberry_module_declaring_an_aws_directive_is_refused(self):
        @strawberry.schema_directive(name="aws_iam", locations=[Location.FIELD_DEFINITION])
        class OwnIam:
            """An `aws_iam` the module declares itself (printed with its definition)."""

        @strawberry.type
        class Own:
            a: int | None = strawberry.field(directives=[OwnIam()])

        with pytest.raises(SchemaError, match=r"^Directive definitions are not supported\.$"):
            appsync_sdl(_schema(Own))

    def test_the_builtin_directives_and_scalars_need_no_declaration(self):
        schema = build_executable_schema(
            "type Query { a: AWSJSON @aws_api_key @aws_iam b: AWSURL @aws_lambda @aws_oidc }\n"
            'type Subscription { s: Int @aws_subscribe(mutations: ["m"]) }\n'
            'type Mutation { m: Int @aws_auth(cognito_groups: ["g"]) }'
        )
        assert schema.get_type("AWSJSON") is not None
