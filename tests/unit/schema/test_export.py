"""`bnpl schema export`: the deployed files follow the code, and drift is caught."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLObjectType

from appsync.sdl import build_executable_schema
from bnpl import schema_export
from resolvers.bindings import BINDINGS, DATA_SOURCES


@pytest.fixture
def exported(tmp_path, monkeypatch):
    monkeypatch.setattr(schema_export, "SCHEMA_FILE", tmp_path / "schema.graphql")
    monkeypatch.setattr(schema_export, "BINDINGS_FILE", tmp_path / "bindings.json")
    monkeypatch.setattr(schema_export, "PROJECT_ROOT", tmp_path)
    assert schema_export.main() == 0
    return tmp_path


def test_check_passes_right_after_an_export(exported):
    assert schema_export.main(check=True) == 0


def test_check_fails_when_the_schema_file_drifts(exported, capsys):
    path = exported / "schema.graphql"
    path.write_text(path.read_text().replace("merchantReference", "merchantRef"))
    assert schema_export.main(check=True) == 1
    assert "schema.graphql" in capsys.readouterr().err
    assert "merchantRef:" in path.read_text()  # --check writes nothing


def test_check_fails_when_the_bindings_drift(exported):
    path = exported / "bindings.json"
    document = json.loads(path.read_text())
    del document["resolvers"]["Query.me"]
    path.write_text(json.dumps(document))
    assert schema_export.main(check=True) == 1


def test_bindings_document_has_one_entry_per_binding():
    document = json.loads(schema_export.bindings_document())
    assert set(document["resolvers"]) == {b.key for b in BINDINGS}
    assert document["data_sources"] == {n: {"type": t.value} for n, t in DATA_SOURCES.items()}
    assert document["resolvers"]["Query.me"]["code"] == "Query.me.js"
    assert document["resolvers"]["Mutation.createCheckout"]["code"] is None


def test_every_root_field_has_a_resolver_and_every_binding_a_field():
    schema = build_executable_schema(schema_export.generated_files()[schema_export.SCHEMA_FILE])
    roots = [
        t for t in (schema.query_type, schema.mutation_type) if isinstance(t, GraphQLObjectType)
    ]
    root_fields = {f"{t.name}.{name}" for t in roots for name in t.fields}
    bound = {b.key for b in BINDINGS}
    assert root_fields <= bound
    # Bindings beyond the roots resolve a field of an object type (`Checkout.application`).
    for key in bound - root_fields:
        type_name, field_name = key.split(".")
        owner = schema.get_type(type_name)
        assert isinstance(owner, GraphQLObjectType), key
        assert field_name in owner.fields, key


def test_every_js_binding_has_its_file():
    root = schema_export.BINDINGS_FILE.parent
    for binding in BINDINGS:
        if binding.code is not None:
            assert (root / binding.code).is_file(), binding.key
