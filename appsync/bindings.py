"""The binding table: which data source resolves which field, and with what code.

A binding is a UNIT resolver (one data source, optional APPSYNC_JS code; no code is a direct
Lambda resolver) or a PIPELINE resolver (its code's `request`/`response` are the "before" and
"after" handlers around an ordered list of functions, each with its own data source and code).
`document()`/`from_document()` read and write the `resolvers` entries of `bindings.json`: a UNIT
entry keeps exactly the keys it always had, so existing files load and export unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MAX_PIPELINE_FUNCTIONS = 10
"""AppSync quota: functions per pipeline resolver (appsync.md §8, §6.4)."""
MAX_BATCH_SIZE = 2000
"""AppSync quota: `maxBatchSize` of a resolver or function (appsync.md §4, §8)."""


class DataSourceType(StrEnum):
    """AppSync's data-source types that the emulator runs."""

    HTTP = "HTTP"
    AWS_LAMBDA = "AWS_LAMBDA"
    NONE = "NONE"


def _check_batch_size(owner: str, size: int) -> None:
    if not 0 <= size <= MAX_BATCH_SIZE:
        raise ValueError(f"{owner}: maxBatchSize must be from 0 to {MAX_BATCH_SIZE}, not {size}")


@dataclass(frozen=True, kw_only=True)
class PipelineFunction:
    """An AppSync function (`FunctionConfiguration`): one step of pipeline resolvers.

    Attributes:
        name: the function's name, unique in the API; functions are shared between resolvers.
        data_source: the name of its data source.
        code: its APPSYNC_JS file name (relative to the resolver folder).
        max_batch_size: batch size when its request handler returns `BatchInvoke`.
    """

    name: str
    data_source: str
    code: str
    max_batch_size: int = 0

    def __post_init__(self) -> None:
        _check_batch_size(f"function {self.name}", self.max_batch_size)

    @property
    def key(self) -> str:
        """The id its code is loaded under (distinct from any `Type.field`)."""
        return f"function:{self.name}"

    def document(self) -> dict[str, Any]:
        """The function's entry in `bindings.json`."""
        return {
            "name": self.name,
            "data_source": self.data_source,
            "code": self.code,
            "max_batch_size": self.max_batch_size,
        }

    @classmethod
    def from_document(cls, entry: Mapping[str, Any]) -> PipelineFunction:
        """Read an entry `document()` wrote."""
        return cls(
            name=entry["name"],
            data_source=entry["data_source"],
            code=entry["code"],
            max_batch_size=int(entry.get("max_batch_size") or 0),
        )


@dataclass(frozen=True, kw_only=True)
class Binding:
    """One resolver: `Type.field` resolved by a data source, or by a pipeline of functions.

    Attributes:
        type_name: the parent type (`Query`, `Mutation`, an object type).
        field_name: the field.
        data_source: the name of the data source (UNIT); None for a pipeline resolver.
        code: APPSYNC_JS file name (relative to the resolver folder). For a UNIT resolver, None
            is a direct Lambda resolver, which sends AppSync's whole context to the function;
            a pipeline resolver needs code (its `request` and `response` handlers).
        max_batch_size: BatchInvoke batch size for Lambda data sources; 0 invokes per field.
        functions: the pipeline's functions, in order; empty for a UNIT resolver.
    """

    type_name: str
    field_name: str
    data_source: str | None = None
    code: str | None = None
    max_batch_size: int = 0
    functions: tuple[PipelineFunction, ...] = ()

    def __post_init__(self) -> None:
        _check_batch_size(f"resolver {self.key}", self.max_batch_size)
        if not self.functions:
            if self.data_source is None:
                raise ValueError(f"resolver {self.key}: a UNIT resolver needs a data source")
            return
        if len(self.functions) > MAX_PIPELINE_FUNCTIONS:
            # UNVERIFIED: the control plane's exact wording; this is the quota as AWS states it.
            raise ValueError(
                f"resolver {self.key}: a pipeline resolver can have at most "
                f"{MAX_PIPELINE_FUNCTIONS} functions, not {len(self.functions)}"
            )
        if self.data_source is not None:
            raise ValueError(f"resolver {self.key}: a pipeline resolver has no data source")
        if self.code is None:
            raise ValueError(
                f"resolver {self.key}: an APPSYNC_JS pipeline resolver needs code "
                "(its request and response handlers run before and after the functions)"
            )

    @property
    def key(self) -> str:
        """The `Type.field` key, as Terraform's resolver map and Powertools' router use it."""
        return f"{self.type_name}.{self.field_name}"

    @property
    def kind(self) -> str:
        """AppSync's resolver kind: `UNIT` or `PIPELINE`."""
        return "PIPELINE" if self.functions else "UNIT"

    def document(self) -> dict[str, Any]:
        """The resolver's entry in `bindings.json`; `functions` only for a pipeline."""
        entry: dict[str, Any] = {
            "type": self.type_name,
            "field": self.field_name,
            "data_source": self.data_source,
            "kind": self.kind,
            "code": self.code,
            "max_batch_size": self.max_batch_size,
        }
        if self.functions:
            entry["functions"] = [f.document() for f in self.functions]
        return entry

    @classmethod
    def from_document(cls, entry: Mapping[str, Any]) -> Binding:
        """Read an entry `document()` wrote (or an older one, without `kind`/`functions`).

        Raises:
            ValueError: `kind` disagrees with the presence of functions, or the entry breaks
                a rule of `Binding` itself.
        """
        functions = tuple(PipelineFunction.from_document(f) for f in entry.get("functions") or ())
        binding = cls(
            type_name=entry["type"],
            field_name=entry["field"],
            data_source=entry.get("data_source"),
            code=entry.get("code"),
            max_batch_size=int(entry.get("max_batch_size") or 0),
            functions=functions,
        )
        kind = entry.get("kind", binding.kind)
        if kind != binding.kind:
            raise ValueError(f"resolver {binding.key}: kind {kind} but {binding.kind} entries")
        return binding


def bindings_from_document(document: Mapping[str, Any]) -> tuple[Binding, ...]:
    """Every binding of a `bindings.json` document (its `resolvers` map), in key order."""
    resolvers: Mapping[str, Mapping[str, Any]] = document.get("resolvers") or {}
    return tuple(Binding.from_document(resolvers[key]) for key in sorted(resolvers))


def pipeline_functions(bindings: Sequence[Binding]) -> dict[str, PipelineFunction]:
    """The API's functions by name, each defined once however many pipelines use it.

    Raises:
        ValueError: two pipelines define one function name differently.
    """
    functions: dict[str, PipelineFunction] = {}
    for binding in bindings:
        for function in binding.functions:
            known = functions.setdefault(function.name, function)
            if known != function:
                raise ValueError(f"function {function.name} is defined twice, differently")
    return functions
