"""One GraphQL API as AppSync runs it: schema, resolvers, authorization, execution."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    default_field_resolver,
    execute,
    parse,
    validate,
)

from appsync.auth.cognito import CognitoAuthenticator
from appsync.auth.iam import IamAuthenticator, SignedRequest
from appsync.auth.modes import AuthMode, Caller, Unauthenticated
from appsync.auth.policy import FieldPolicy, field_policies
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.errors import error_entry, unauthorized, validation_entry
from appsync.js.runtime import JsRuntime
from appsync.resolver import DataSource, FieldResolver, RequestContext
from appsync.sdl import build_executable_schema

logger = logging.getLogger("appsync")


class MalformedRequest(Exception):  # noqa: N818 - AppSync's MalformedHttpRequestException
    """The document cannot be parsed: AppSync answers HTTP 400."""


@dataclass(frozen=True)
class Operation:
    """A GraphQL request body, already taken apart."""

    query: str
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None


class AppSyncApi:
    """A GraphQL API: the SDL AppSync would be given, plus its resolvers and data sources.

    Args:
        sdl: the schema as deployed (no AWS scalar or directive declarations).
        config: authorization modes and limits.
        bindings: one per resolver.
        data_sources: by name; None stands for a NONE data source.
        code_dir: where the bindings' APPSYNC_JS files are.
        js: the runtime that evaluates them (one is created when code is bound and none given).
    """

    def __init__(
        self,
        *,
        sdl: str,
        config: ApiConfig,
        bindings: Sequence[Binding],
        data_sources: Mapping[str, DataSource],
        code_dir: Path,
        js: JsRuntime | None = None,
    ) -> None:
        self.config = config
        self.schema: GraphQLSchema = build_executable_schema(sdl)
        self._cognito = CognitoAuthenticator(config.user_pool) if config.user_pool else None
        self._iam = IamAuthenticator(config.iam) if config.iam else None
        if js is None and any(b.code for b in bindings):
            js = JsRuntime()
        self._resolvers = {b.key: self._resolver(b, data_sources, code_dir, js) for b in bindings}
        self._install(
            field_policies(
                self.schema,
                default_mode=config.default_mode,
                cognito_default_action=config.user_pool.default_action
                if config.user_pool
                else "ALLOW",
            )
        )
        self._parse = functools.lru_cache(maxsize=512)(self._parse_and_validate)

    def _resolver(
        self,
        binding: Binding,
        data_sources: Mapping[str, DataSource],
        code_dir: Path,
        js: JsRuntime | None,
    ) -> FieldResolver:
        parent = self.schema.get_type(binding.type_name)
        if not isinstance(parent, GraphQLObjectType) or binding.field_name not in parent.fields:
            raise ValueError(f"resolver {binding.key}: the schema has no such field")
        if binding.data_source not in data_sources:
            raise ValueError(
                f"resolver {binding.key}: no data source named {binding.data_source!r}"
            )
        if binding.code is not None:
            assert js is not None
            js.load(binding.key, (code_dir / binding.code).read_text(encoding="utf-8"))
        return FieldResolver(binding, data_sources[binding.data_source], js)

    def _install(self, policies: Mapping[tuple[str, str], FieldPolicy]) -> None:
        """Put every field behind its authorization check, and bound fields on their resolver."""
        for (type_name, field_name), policy in policies.items():
            parent = self.schema.type_map[type_name]
            assert isinstance(parent, GraphQLObjectType)
            field = parent.fields[field_name]
            bound = self._resolvers.get(f"{type_name}.{field_name}")
            field.resolve = _guarded(bound or field.resolve or default_field_resolver, policy)

    async def authenticate(self, request: SignedRequest) -> Caller:
        """Decide which mode the request uses and verify its credentials.

        Raises:
            Unauthenticated: no mode of the API accepts the request's credentials.
        """
        authorization = request.headers.get("authorization", "").strip()
        if not authorization:
            raise Unauthenticated("Valid authorization header not provided.")
        if authorization.startswith("AWS4-HMAC-SHA256"):
            if self._iam is None:
                raise Unauthenticated()
            return self._iam.authenticate(request)
        token = authorization.removeprefix("Bearer ").strip()
        if self._cognito is not None and self._cognito.is_pool_token(token):
            return await self._cognito.authenticate(token, source_ip=request.source_ip)
        raise Unauthenticated()

    def _parse_and_validate(self, query: str) -> DocumentNode | list[GraphQLError]:
        try:
            document = parse(query)
        except GraphQLError as exc:
            # AppSync answers every unparseable request with this one message (graphql-over-http
            # issue 81, from the AppSync team); the detail goes to the emulator's log instead.
            logger.info("unparseable GraphQL document: %s", exc.message)
            raise MalformedRequest("Unable to parse GraphQL query.") from None
        errors = validate(self.schema, document)
        return errors or document

    async def execute(
        self, operation: Operation, *, caller: Caller, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Run one operation; return AppSync's response body (`data`, and `errors` if any).

        Raises:
            MalformedRequest: the document does not parse.
        """
        parsed = self._parse(operation.query)
        if isinstance(parsed, list):
            return {"data": None, "errors": [validation_entry(e) for e in parsed]}
        context = RequestContext(caller=caller, headers=headers)
        outcome = execute(
            self.schema,
            parsed,
            context_value=context,
            variable_values=dict(operation.variables) if operation.variables else None,
            operation_name=operation.operation_name,
        )
        result = await outcome if inspect.isawaitable(outcome) else outcome
        body: dict[str, Any] = {"data": result.data}
        errors = [_entry(e) for e in result.errors or ()] + context.appended
        if errors:
            body["errors"] = errors
        return body


def _entry(error: GraphQLError) -> dict[str, Any]:
    """A field's error; or, without a path, a refusal before any resolver ran (variables that do
    not coerce, an unknown operation name), which AppSync reports as a validation error."""
    original = error.original_error
    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        return validation_entry(error)
    return error_entry(error)


def _guarded(resolve: Any, policy: FieldPolicy) -> Any:
    """Wrap a resolver with the field's authorization check (cheap: one set lookup)."""
    open_modes = frozenset(g.mode for g in policy.grants if g.groups is None)
    grouped = tuple(g for g in policy.grants if g.groups is not None)

    def resolver(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        caller: Caller = info.context.caller
        if caller.mode not in open_modes and not any(g.admits(caller) for g in grouped):
            raise unauthorized(policy.field_name, policy.type_name)
        return resolve(source, info, **arguments)

    return resolver


__all__ = ["AppSyncApi", "AuthMode", "MalformedRequest", "Operation"]
