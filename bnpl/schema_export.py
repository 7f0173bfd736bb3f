"""`bnpl schema export`: the files Terraform deploys, generated from the code.

- `schema/schema.graphql`: the Strawberry schema printed as AppSync accepts it;
- `resolvers/bindings.json`: the data sources and one entry per resolver binding (with its
  pipeline functions, for a PIPELINE resolver).

With `--check`, nothing is written: the command fails if either file differs from the code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from appsync.bindings import Binding, DataSourceType, pipeline_functions
from appsync.sdl import appsync_sdl
from bnpl.settings import PROJECT_ROOT
from resolvers.bindings import BINDINGS, DATA_SOURCES, IAM_CALLERS
from schema.operations import SCHEMA

SCHEMA_FILE = PROJECT_ROOT / "schema" / "schema.graphql"
BINDINGS_FILE = PROJECT_ROOT / "resolvers" / "bindings.json"


def bindings_document(
    bindings: Sequence[Binding] = BINDINGS,
    data_sources: Mapping[str, DataSourceType] = DATA_SOURCES,
    iam_callers: Mapping[str, Sequence[str]] = IAM_CALLERS,
) -> str:
    """The bindings as Terraform reads them (`jsondecode(file(...))`).

    Each resolver entry is `Binding.document()`: a UNIT entry has the keys it always had, a
    PIPELINE entry adds its `functions` in order, which Terraform creates once per name.
    `iam_callers` lists, per kind of AWS_IAM caller, the root fields its policy grants, as
    `{"type", "field"}` pairs.

    Raises:
        ValueError: two pipelines define one function differently, or a binding or function
            names a data source that is not in `data_sources`.
    """
    pipeline_functions(bindings)  # one definition per function name, as AppSync has
    for binding in bindings:
        uses = [(f"resolver {binding.key}", binding.data_source)]
        uses += [(f"function {f.name}", f.data_source) for f in binding.functions]
        for owner, source in uses:
            if source is not None and source not in data_sources:
                raise ValueError(f"{owner} uses data source {source}, which is not declared")
    document = {
        "data_sources": {name: {"type": kind.value} for name, kind in sorted(data_sources.items())},
        "resolvers": {b.key: b.document() for b in sorted(bindings, key=lambda b: b.key)},
        "iam_callers": {
            caller: [dict(zip(("type", "field"), key.split("."), strict=True)) for key in keys]
            for caller, keys in sorted(iam_callers.items())
        },
    }
    return json.dumps(document, indent=2) + "\n"


def generated_files() -> dict[Path, str]:
    """Every generated file and the text it must hold."""
    return {SCHEMA_FILE: appsync_sdl(SCHEMA), BINDINGS_FILE: bindings_document()}


def main(*, check: bool = False) -> int:
    """Write the generated files, or with `check` report the ones that drifted (exit 1)."""
    drifted = []
    for path, text in generated_files().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        drifted.append(path)
        if not check:
            path.write_text(text, encoding="utf-8")
    shown = ", ".join(str(p.relative_to(PROJECT_ROOT)) for p in drifted)
    if check and drifted:
        sys.stderr.write(f"out of date: {shown}; run `bnpl schema export`\n")
        return 1
    sys.stdout.write(f"wrote {shown}\n" if drifted else "schema and bindings are up to date\n")
    return 0
