"""The binding table read from and written to `bindings.json` (appsync.md §6.4: UNIT vs
PIPELINE resolvers; functions with `name`, `dataSourceName`, `code`, `maxBatchSize`)."""

from __future__ import annotations

import json

import pytest

from appsync.bindings import (
    MAX_BATCH_SIZE,
    Binding,
    PipelineFunction,
    bindings_from_document,
)
from bnpl import schema_export
from bnpl.settings import PROJECT_ROOT
from resolvers.bindings import BINDINGS


def test_the_deployed_bindings_file_still_loads_and_matches_the_code():
    document = json.loads((PROJECT_ROOT / "resolvers" / "bindings.json").read_text())
    assert bindings_from_document(document) == tuple(sorted(BINDINGS, key=lambda b: b.key))
    assert {b.kind for b in BINDINGS} == {"UNIT"}


def test_a_unit_entry_keeps_the_keys_the_export_and_terraform_read():
    entry = Binding(type_name="Query", field_name="me", data_source="users", code="me.js")
    assert entry.document() == {
        "type": "Query",
        "field": "me",
        "data_source": "users",
        "kind": "UNIT",
        "code": "me.js",
        "max_batch_size": 0,
    }


def test_a_pipeline_entry_round_trips_with_its_functions_in_order():
    pipeline = Binding(
        type_name="Mutation",
        field_name="pay",
        code="pay.js",
        functions=(
            PipelineFunction(name="check", data_source="none", code="check.js"),
            PipelineFunction(name="charge", data_source="credit", code="c.js", max_batch_size=10),
        ),
    )
    entry = pipeline.document()
    assert entry["kind"] == "PIPELINE"
    assert entry["data_source"] is None
    assert [f["name"] for f in entry["functions"]] == ["check", "charge"]
    assert Binding.from_document(json.loads(json.dumps(entry))) == pipeline


def test_an_entry_whose_kind_contradicts_its_functions_is_refused():
    entry = Binding(type_name="Query", field_name="a", data_source="x").document()
    entry["kind"] = "PIPELINE"
    with pytest.raises(ValueError, match="kind PIPELINE"):
        Binding.from_document(entry)


@pytest.mark.parametrize("size", [-1, MAX_BATCH_SIZE + 1])
def test_max_batch_size_is_within_appsyncs_quota(size):
    """§4/§8: maxBatchSize is 0-2000."""
    with pytest.raises(ValueError, match="maxBatchSize"):
        Binding(type_name="Query", field_name="a", data_source="x", max_batch_size=size)


def test_the_export_writes_what_document_gives_for_every_unit_binding():
    """`bnpl schema export` writes `Binding.document()` for every binding; for the product's
    UNIT bindings that is the file as it always was (`bnpl schema export --check` passes)."""

    exported = json.loads(schema_export.bindings_document())["resolvers"]
    assert exported == {b.key: b.document() for b in BINDINGS}
