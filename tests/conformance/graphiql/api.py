"""A small API for GraphiQL's tests, accepting every auth mode the page offers: `whoami` says who
the caller was, `putItem` publishes to `onItem` subscribers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from appsync.api import AppSyncApi
from appsync.app import create_app
from appsync.auth.api_key import ApiKey
from appsync.auth.cognito import UserPoolConfig
from appsync.auth.iam import IamConfig, IamPrincipal
from appsync.auth.modes import AuthMode
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.graphiql import GraphiQLConfig, IamSigner, SignInUser, UserPoolSignIn

ROOT = Path(__file__).resolve().parents[3]
NODE_MODULES = ROOT / "node_modules"
REGION = "eu-west-2"
ISSUER = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_GraphiQL1"
CLIENT_ID = "graphiql-test-client"
ACCESS_KEY, SECRET_KEY = "AKIAGRAPHIQLTEST0001", "graphiql-test-secret-key-0001"
LIVE_KEY, EXPIRED_KEY = "da2-graphiql-live", "da2-graphiql-expired"
USERS = (
    SignInUser(name="ada", email="ada@example.test", password="ada-pass-1", description="known"),
    SignInUser(name="bob", email="bob@example.test", description="no password given"),
)
MODES = "@aws_api_key @aws_iam @aws_cognito_user_pools"
SDL = f"""
type Identity {MODES} {{ kind: String! sub: String username: String email: String }}
type Item {MODES} {{ id: ID! name: String }}
type Query {{ whoami: Identity {MODES} }}
type Mutation {{ putItem(id: ID!, name: String): Item {MODES} }}
type Subscription {{
  onItem(id: ID): Item @aws_subscribe(mutations: ["putItem"]) {MODES}
}}
"""
CODE = {
    "Query.whoami.js": """
import { util } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  const id = ctx.identity;
  if (!id) { return { kind: 'API_KEY' }; }
  if (id.userArn) { return { kind: 'AWS_IAM', username: id.username }; }
  return { kind: 'COGNITO', sub: id.sub, username: id.username, email: id.claims.email };
}
""",
    "Mutation.putItem.js": """
export function request(ctx) { return { payload: ctx.arguments }; }
export function response(ctx) { return ctx.result; }
""",
}


def api_config(jwks_url: str, *, expires: int = 2**40) -> ApiConfig:
    return ApiConfig(
        name="graphiql-test",
        default_mode=AuthMode.COGNITO,
        additional_modes=(AuthMode.IAM, AuthMode.API_KEY),
        user_pool=UserPoolConfig(issuer=ISSUER, jwks_url=jwks_url),
        iam=IamConfig(
            region=REGION,
            principals=(
                IamPrincipal(
                    access_key_id=ACCESS_KEY,
                    secret_access_key=SECRET_KEY,
                    account_id="123456789012",
                    user_arn="arn:aws:iam::123456789012:user/graphiql-merchant",
                    username="graphiql-merchant",
                ),
            ),
        ),
        api_keys=(ApiKey(id=LIVE_KEY, expires=expires), ApiKey(id=EXPIRED_KEY, expires=1)),
    )


def graphiql_config(sign_in_endpoint: str, **overrides: Any) -> GraphiQLConfig:
    values: dict[str, Any] = {
        "node_modules": NODE_MODULES,
        "title": "GraphiQL test",
        "user_pool": UserPoolSignIn(endpoint=sign_in_endpoint, client_id=CLIENT_ID, users=USERS),
        "iam_signers": (
            IamSigner(
                label="test merchant", access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY
            ),
        ),
        "default_query": "{ whoami { kind } }",
    }
    return GraphiQLConfig(**{**values, **overrides})


def build_app(
    code_dir: Path,
    *,
    jwks_url: str = "http://127.0.0.1:9/jwks.json",
    sign_in_endpoint: str = "http://127.0.0.1:9/",
    graphiql: GraphiQLConfig | None = None,
    **overrides: Any,
) -> tuple[AppSyncApi, Starlette]:
    """The API served with its GraphiQL page (`graphiql`, or the test configuration with
    `overrides`)."""
    for name, text in CODE.items():
        (code_dir / name).write_text(text, encoding="utf-8")
    bindings = [
        Binding(type_name=type_name, field_name=field_name, data_source="none", code=name)
        for name in CODE
        for type_name, field_name in [name.removesuffix(".js").split(".")]
    ]
    api = AppSyncApi(
        sdl=SDL,
        config=api_config(jwks_url),
        bindings=bindings,
        data_sources={"none": None},
        code_dir=code_dir,
    )
    config = graphiql or graphiql_config(sign_in_endpoint, **overrides)
    return api, create_app(api, graphiql=config)


def asset_files() -> Mapping[str, Path]:
    """The vendor files the page loads, as the project installs them."""
    return {
        "react.production.min.js": NODE_MODULES / "react/umd/react.production.min.js",
        "react-dom.production.min.js": NODE_MODULES / "react-dom/umd/react-dom.production.min.js",
        "graphiql.min.js": NODE_MODULES / "graphiql/graphiql.min.js",
        "graphiql.min.css": NODE_MODULES / "graphiql/graphiql.min.css",
    }
