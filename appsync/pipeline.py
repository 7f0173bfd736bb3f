"""Pipeline resolvers: the resolver's "before" handler, its functions in order, its "after".

As AppSync runs them (appsync.md §6.4; AWS-doc pipeline resolvers, runtime-utils-js):

- the resolver's `request` handler runs first; its result is `ctx.prev.result` of the first
  function;
- each function runs request handler → its data source → response handler, and its result is
  `ctx.prev.result` of the next step; the resolver's `response` handler gets the last one;
- `ctx.stash` is one object for the whole pipeline: what a step leaves in it, the next sees;
- `runtime.earlyReturn(value)` in the resolver's request handler skips every function; in a
  function's request handler it skips that function's data source and response handler, and
  `value` is its result;
- `util.error` in any handler aborts the field (null, one error entry); `util.appendError`
  adds an entry and the pipeline goes on; a data-source error is `ctx.error` in the function's
  response handler, swallowed unless the handler raises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from appsync.context import build_context
from appsync.limits import check_response_size
from appsync.resolver import JsStep, settle

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from appsync.bindings import Binding
    from appsync.js.runtime import Evaluation, JsRuntime
    from appsync.request import RequestContext, ResolverLimits


class PipelineResolver:
    """Resolves one bound PIPELINE field.

    Args:
        binding: the pipeline resolver; its code is loaded under `binding.key`.
        steps: its functions, in order, each a `JsStep` over the function's data source.
        js: the runtime.
        limits: the API's per-resolver limits.
    """

    def __init__(
        self,
        binding: Binding,
        steps: Sequence[JsStep],
        js: JsRuntime,
        *,
        limits: ResolverLimits,
    ) -> None:
        self.binding = binding
        self._steps = tuple(steps)
        self._js = js
        self._limits = limits

    async def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        """graphql-core's resolver signature."""
        request: RequestContext = info.context
        request.count_resolver(self._limits)
        ctx = build_context(
            info,
            arguments=arguments,
            source=source,
            identity=request.caller.identity,
            headers=request.headers,
        )
        mode = request.caller.mode.value
        # The before and after handlers are evaluated on whole contexts (not the two-phase
        # begin/finish a unit resolver uses): the functions in between change the stash.
        before = self._js.evaluate(self.binding.key, "request", ctx, auth_type=mode)
        self._settle(before, info, request)
        prev, stash = before.result, before.stash
        if not before.early_return:
            for step in self._steps:
                outcome = await step.run(
                    {**ctx, "prev": {"result": prev}, "stash": stash}, info, request
                )
                prev, stash = outcome.result, outcome.stash
                if outcome.early_return and _skip_to(outcome) == "END":
                    break
        after = self._js.evaluate(
            self.binding.key,
            "response",
            {**ctx, "prev": {"result": prev}, "stash": stash},
            auth_type=mode,
        )
        self._settle(after, info, request)
        return after.result

    def _settle(
        self, evaluation: Evaluation, info: GraphQLResolveInfo[Any], request: RequestContext
    ) -> None:
        settle(evaluation, info, request)
        check_response_size(evaluation.result, self._limits.response_bytes)


def _skip_to(evaluation: Evaluation) -> str:
    """`runtime.earlyReturn(value, {skipTo})`: "NEXT" (the default) or "END".

    The JS runtime may not report `skipTo` (its Evaluation has no such field yet); then
    every early return in a function goes on with the next function, AppSync's default.
    """
    skip_to = getattr(evaluation, "skip_to", None)
    return "END" if skip_to == "END" else "NEXT"
