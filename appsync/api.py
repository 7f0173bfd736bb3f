"""One GraphQL API as AppSync runs it: schema, resolvers, authorization, execution."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
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
)

from appsync.admission import Admission, Overloaded, RequestSlots
from appsync.auth.authenticator import Authenticator
from appsync.auth.iam import SignedRequest
from appsync.auth.iam_policy import field_arn
from appsync.auth.lambda_authorizer import AuthorizationRequest
from appsync.auth.modes import AuthMode, Caller
from appsync.auth.policy import FieldPolicy, field_policies
from appsync.bindings import Binding
from appsync.config import ApiConfig
from appsync.errors import error_entry, is_internal, unauthorized, validation_entry
from appsync.js.runtime import JsRuntime
from appsync.limits import (
    MAX_QUERY_TOKENS,
    QUERY_TOO_LONG_MESSAGE,
    depth_middleware,
    document_depth,
)
from appsync.request import RequestContext, ResolverLimits
from appsync.resolver import DataSource
from appsync.resolver_table import resolver_table
from appsync.sdl import build_executable_schema
from appsync.source import IndexedSource
from appsync.validation.rules import appsync_rules, validate_document
from appsync.variables import reword_refusal

logger = logging.getLogger("appsync")

# graphql-core's refusal of a document longer than `max_tokens`.
_TOO_MANY_TOKENS = "Syntax Error: Document contains more than"
# Documents longer than this are parsed in a worker thread (an honest one is far shorter).
_PARSE_IN_A_THREAD_CHARS = 8192


class MalformedRequest(Exception):  # noqa: N818 - AppSync's MalformedHttpRequestException
    """The document cannot be parsed: AppSync answers HTTP 400."""


@dataclass(frozen=True)
class Operation:
    """A GraphQL request body, already taken apart."""

    query: str
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None


Publisher = Callable[[DocumentNode, str | None, dict[str, Any], list[dict[str, Any]]], None]
"""Told of a completed operation: its document, operation name, `data` and error entries."""

ErrorListener = Callable[[Sequence[Mapping[str, Any]]], None]
"""Told of the error entries of each operation that ran and answered any (for metrics)."""


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
        if js is not None and config.admission.per_api > js.max_pending:
            # Every slot may park one context in the JS runtime between its two handlers.
            raise ValueError("admission.per_api may not exceed the JS runtime's max_pending")
        self.schema: GraphQLSchema = build_executable_schema(sdl)
        self._admission: Admission | None = None
        self.authenticator = Authenticator(config)
        limits = ResolverLimits(config.resolver_count_limit, config.max_response_bytes)
        self._resolvers = resolver_table(
            self.schema, bindings, data_sources, code_dir, js, limits=limits
        )
        self._install(
            field_policies(
                self.schema,
                default_mode=config.default_mode,
                additional_modes=config.additional_modes,
                cognito_default_action=config.user_pool.default_action
                if config.user_pool
                else "ALLOW",
            )
        )
        self._rules = appsync_rules(introspection=config.introspection_config == "ENABLED")
        self._parse = functools.lru_cache(maxsize=512)(self._parse_and_validate)
        self._depth_guards = functools.lru_cache(maxsize=512)(self._depth_guard)
        # Set by `appsync.realtime.SubscriptionHub`: told of every completed operation with data,
        # it fans `@aws_subscribe` mutations out to subscribers (appsync.md §7.1).
        self.publisher: Publisher | None = None
        # Set by whoever runs the emulator to count what it answers (AppSync's own metrics have
        # no per-errorType figures); the engine itself keeps no metrics.
        self.on_errors: ErrorListener | None = None

    def _depth_guard(self, query: str) -> Any:
        """The depth-limit middleware for a document deeper than the limit, else None."""
        parsed = self._parse(query)
        limit = self.config.query_depth_limit
        if isinstance(parsed, list) or document_depth(parsed) <= limit:
            return None
        return depth_middleware(limit)

    def _install(self, policies: Mapping[tuple[str, str], FieldPolicy]) -> None:
        """Put every field behind its authorization check, and bound fields on their resolver."""
        for (type_name, field_name), policy in policies.items():
            parent = self.schema.type_map[type_name]
            assert isinstance(parent, GraphQLObjectType)
            field = parent.fields[field_name]
            bound = self._resolvers.get(f"{type_name}.{field_name}")
            field.resolve = _guarded(
                bound or field.resolve or default_field_resolver, policy, self._iam_arn(parent)
            )

    def _slots(self) -> RequestSlots:
        """A request's data-source slots, from the API's (made on the running loop)."""
        loop = asyncio.get_running_loop()
        admission = self._admission
        if admission is None or admission.loop is not loop:
            admission = self._admission = Admission(self.config.admission, loop=loop)
        return admission.for_request()

    def _iam_arn(self, parent: GraphQLObjectType) -> str | None:
        """The API's ARN when `parent` is an operation root an IAM policy governs, else None."""
        roots = (self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type)
        if self.config.iam is None or parent not in roots:
            return None
        return self.config.iam.api_arn

    async def authenticate(
        self, request: SignedRequest, *, authorization_request: AuthorizationRequest | None = None
    ) -> Caller:
        """Decide which mode the request uses and verify its credentials.

        Args:
            request: the HTTP request.
            authorization_request: the operation, as a Lambda authorizer is told of it (read
                from the request's JSON body when not given).

        Raises:
            Unauthenticated: no mode of the API accepts the request's credentials.
        """
        return await self.authenticator.authenticate(
            request, authorization_request=authorization_request
        )

    def _parse_and_validate(self, query: str) -> DocumentNode | list[GraphQLError]:
        try:
            # Lexing stops at AppSync's query length, so no document costs more than that.
            document = parse(IndexedSource(query), max_tokens=MAX_QUERY_TOKENS)
        except GraphQLError as exc:
            if exc.message.startswith(_TOO_MANY_TOKENS):
                raise MalformedRequest(QUERY_TOO_LONG_MESSAGE) from None
            # AppSync answers every unparseable request with this one message (graphql-over-http
            # issue 81, from the AppSync team); the detail goes to the emulator's log instead.
            logger.info("unparseable GraphQL document: %s", exc.message)
            raise MalformedRequest("Unable to parse GraphQL query.") from None
        errors = validate_document(self.schema, document, self._rules)
        return errors or document

    async def execute(
        self, operation: Operation, *, caller: Caller, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """Run one operation; return AppSync's response body (`data`, and `errors` if any).

        Raises:
            MalformedRequest: the document does not parse.
        """
        if len(operation.query) > _PARSE_IN_A_THREAD_CHARS:
            # Parsing and validating take ~100 µs per field in pure Python: off the event loop,
            # so a large document does not hold up everyone else's requests meanwhile.
            parsed = await asyncio.to_thread(self._parse, operation.query)
        else:
            parsed = self._parse(operation.query)
        if isinstance(parsed, list):
            return {"data": None, "errors": [validation_entry(e) for e in parsed]}
        deadline = asyncio.get_running_loop().time() + self.config.request_timeout_s
        guard = self._depth_guards(operation.query) if self.config.query_depth_limit else None
        context = RequestContext(
            caller=caller, headers=headers, deadline=deadline, slots=self._slots()
        )
        outcome = execute(
            self.schema,
            parsed,
            context_value=context,
            variable_values=dict(operation.variables) if operation.variables else None,
            operation_name=operation.operation_name,
            # Only documents deeper than the depth limit get a middleware (appsync.md §8).
            middleware=None if guard is None else [guard],
        )
        result = await outcome if inspect.isawaitable(outcome) else outcome
        body: dict[str, Any] = {"data": result.data}
        refused: Sequence[GraphQLError] = result.errors or ()
        if refused and result.data is None and all(e.path is None for e in refused):
            refused = reword_refusal(self.schema, parsed, operation, refused)
        errors = [_entry(e) for e in refused] + context.appended
        _log_failures(context, refused, self.config.resolver_count_limit)
        if errors:
            body["errors"] = errors
            if self.on_errors is not None:
                self.on_errors(errors)
        if self.publisher is not None and result.data:
            self.publisher(parsed, operation.operation_name, result.data, errors)
        return body


def _log_failures(
    context: RequestContext, errors: Sequence[GraphQLError], resolver_count_limit: int
) -> None:
    """One log record per request for what the emulator refused or broke, however many fields
    it hit: a document with a thousand aliases must not write a thousand tracebacks."""
    if context.refused_past_limit:
        logger.warning(
            "request %s: %d resolvers refused past the resolver count limit of %d",
            context.request_id,
            context.refused_past_limit,
            resolver_count_limit,
        )
    overloaded = sum(isinstance(e.original_error, Overloaded) for e in errors)
    if overloaded:
        logger.warning(
            "request %s: %d resolvers refused, no data-source slot came free in time",
            context.request_id,
            overloaded,
        )
    broken = [e.original_error for e in errors if is_internal(e)]
    if broken:
        logger.error(
            "request %s: %d resolvers failed inside the emulator; the first:",
            context.request_id,
            len(broken),
            exc_info=broken[0],
        )


def _entry(error: GraphQLError) -> dict[str, Any]:
    """A field's error; or, without a path, a refusal before any resolver ran (variables that do
    not coerce, an unknown operation name), which AppSync reports as a validation error."""
    original = error.original_error
    if error.path is None and (original is None or isinstance(original, GraphQLError)):
        return validation_entry(error)
    return error_entry(error)


def _guarded(resolve: Any, policy: FieldPolicy, api_arn: str | None) -> Any:
    """Wrap a resolver with the field's authorization checks: the directives (one set lookup),
    and, for a root field called with AWS_IAM, the caller's IAM policy (`api_arn` given)."""
    open_modes = frozenset(g.mode for g in policy.grants if g.groups is None)
    grouped = tuple(g for g in policy.grants if g.groups is not None)
    key = (policy.type_name, policy.field_name)
    arn = None if api_arn is None else field_arn(api_arn, policy.type_name, policy.field_name)

    def resolver(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        caller: Caller = info.context.caller
        if caller.mode not in open_modes and not any(g.admits(caller) for g in grouped):
            raise unauthorized(policy.field_name, policy.type_name)
        # A Lambda authorizer's `deniedFields`: null with the same Unauthorized entry (whether
        # AppSync adds the entry is UNVERIFIED, checklist §1.3), and the resolver does not run.
        if caller.denied and key in caller.denied:
            raise unauthorized(policy.field_name, policy.type_name)
        # AWS_IAM: the identity's policies must allow appsync:GraphQL on the root field.
        if arn is not None and caller.iam_policy is not None and not caller.iam_policy.allows(arn):
            raise unauthorized(policy.field_name, policy.type_name)
        return resolve(source, info, **arguments)

    return resolver


__all__ = ["AppSyncApi", "AuthMode", "MalformedRequest", "Operation"]
