"""The API's resolvers, built once at start-up from its bindings: unit or pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from graphql import GraphQLObjectType, GraphQLSchema

from appsync.bindings import Binding, pipeline_functions
from appsync.datasources.calls import DataSource
from appsync.js.runtime import JsRuntime
from appsync.pipeline import PipelineResolver
from appsync.request import ResolverLimits
from appsync.resolver import FieldResolver, JsStep

Resolver = FieldResolver | PipelineResolver
"""A bound field's resolver."""


def resolver_table(
    schema: GraphQLSchema,
    bindings: Sequence[Binding],
    data_sources: Mapping[str, DataSource],
    code_dir: Path,
    js: JsRuntime | None,
    *,
    limits: ResolverLimits,
) -> dict[str, Resolver]:
    """Every binding's resolver by `Type.field`, its code loaded into `js`.

    Raises:
        ValueError: a binding names a field or data source the API does not have, or a
            function is defined twice differently.
        JsCodeError: some code would be refused by AppSync.
    """
    for binding in bindings:
        parent = schema.get_type(binding.type_name)
        if not isinstance(parent, GraphQLObjectType) or binding.field_name not in parent.fields:
            raise ValueError(f"resolver {binding.key}: the schema has no such field")
    steps: dict[str, JsStep] = {}
    for function in pipeline_functions(bindings).values():
        if function.data_source not in data_sources:
            raise ValueError(
                f"function {function.name}: no data source named {function.data_source!r}"
            )
        js = _load(js, function.key, code_dir / function.code)
        steps[function.name] = JsStep(
            function.key,
            data_sources[function.data_source],
            js,
            max_batch_size=function.max_batch_size,
            limits=limits,
        )
    table: dict[str, Resolver] = {}
    for binding in bindings:
        if binding.functions:
            assert binding.code is not None  # Binding refuses a pipeline without code
            js = _load(js, binding.key, code_dir / binding.code)
            table[binding.key] = PipelineResolver(
                binding, [steps[f.name] for f in binding.functions], js, limits=limits
            )
            continue
        name = binding.data_source
        if name is None or name not in data_sources:
            raise ValueError(f"resolver {binding.key}: no data source named {name!r}")
        if binding.code is not None:
            js = _load(js, binding.key, code_dir / binding.code)
        table[binding.key] = FieldResolver(binding, data_sources[name], js, limits=limits)
    return table


def _load(js: JsRuntime | None, key: str, path: Path) -> JsRuntime:
    """Load one file's code under `key`; the runtime (made on first need)."""
    if js is None:
        js = JsRuntime()
    js.load(key, path.read_text(encoding="utf-8"))
    return js
