"""The deployed resolvers are the exported bindings, pipeline resolvers and functions included.

`bnpl schema export` writes `resolvers/bindings.json` from the binding table; the dev root makes
each entry a resolver and each pipeline function an `aws_appsync_function`, and its
`tests/plan.tftest.hcl` asserts, for whatever that file holds, that the planned resolvers are the
bindings: the same keys, kinds, data sources and runtimes, each pipeline's functions in the
binding's order, and every function deployed once with its data source and batch size. The
product binds no pipeline yet, so here the dev root is planned (offline, in a throw-away copy)
with an exported document that has two, sharing a function.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from appsync.bindings import Binding, PipelineFunction, bindings_from_document
from bnpl import schema_export
from resolvers.bindings import BINDINGS, DATA_SOURCES
from tests.infra.conftest import MIN_TERRAFORM_FOR_TEST_COMMAND, make_sandbox

pytestmark = pytest.mark.infra

# Handlers of the test-only code files; plans never run code, they only read the files.
HANDLERS = (
    "export function request(ctx) { return {}; }\n"
    "export function response(ctx) { return ctx.prev.result; }\n"
)
TEST_CODE_FILES = ("test.around.js", "test.score.js", "test.stamp.js")


def pipeline_bindings() -> tuple[Binding, ...]:
    """The product's bindings with two of them made pipelines that share the `stamp` function."""
    stamp = PipelineFunction(name="stamp", data_source="checkout_events", code="test.stamp.js")
    load_me = PipelineFunction(name="load_me", data_source="user_service", code="Query.me.js")
    score = PipelineFunction(
        name="score", data_source="credit_proxy", code="test.score.js", max_batch_size=5
    )
    pipelines = {
        "Query.me": Binding(
            type_name="Query",
            field_name="me",
            code="test.around.js",
            functions=(load_me, score, stamp),
        ),
        "Mutation.publishCheckoutUpdate": Binding(
            type_name="Mutation",
            field_name="publishCheckoutUpdate",
            code="test.around.js",
            functions=(stamp,),
        ),
    }
    assert set(pipelines) <= {b.key for b in BINDINGS}
    return tuple(pipelines.get(b.key, b) for b in BINDINGS)


def test_the_export_writes_pipelines_with_their_functions_in_order():
    bindings = pipeline_bindings()
    document = json.loads(schema_export.bindings_document(bindings, DATA_SOURCES))
    entry = document["resolvers"]["Query.me"]
    assert (entry["kind"], entry["data_source"], entry["code"]) == (
        "PIPELINE",
        None,
        "test.around.js",
    )
    assert [f["name"] for f in entry["functions"]] == ["load_me", "score", "stamp"]
    assert entry["functions"][1] == {
        "name": "score",
        "data_source": "credit_proxy",
        "code": "test.score.js",
        "max_batch_size": 5,
    }
    # UNIT entries keep exactly the keys Terraform always read: no "functions".
    assert "functions" not in document["resolvers"]["Query.checkout"]
    assert bindings_from_document(document) == tuple(sorted(bindings, key=lambda b: b.key))


def test_the_export_refuses_a_function_on_an_undeclared_data_source():
    stray = PipelineFunction(name="stray", data_source="nowhere", code="test.stamp.js")
    binding = Binding(type_name="Query", field_name="me", code="a.js", functions=(stray,))
    with pytest.raises(ValueError, match="function stray uses data source nowhere"):
        schema_export.bindings_document((binding,), DATA_SOURCES)


def test_the_export_refuses_one_function_defined_two_ways():
    one = PipelineFunction(name="stamp", data_source="checkout_events", code="a.js")
    other = PipelineFunction(name="stamp", data_source="checkout_events", code="b.js")
    bindings = (
        Binding(type_name="Query", field_name="me", code="p.js", functions=(one,)),
        Binding(type_name="Query", field_name="checkout", code="p.js", functions=(other,)),
    )
    with pytest.raises(ValueError, match="function stamp is defined twice"):
        schema_export.bindings_document(bindings, DATA_SOURCES)


def test_the_dev_root_deploys_exactly_the_exported_pipelines(
    tmp_path: Path,
    terraform_binary: Path,
    terraform_version: tuple[int, int, int],
    provider_mirror: Path,
):
    if terraform_version < MIN_TERRAFORM_FOR_TEST_COMMAND:
        pytest.skip("the dev root's tests use mock_provider override_during (Terraform >= 1.11)")
    sandbox = make_sandbox(
        tmp_path, binary=terraform_binary, version=terraform_version, mirror=provider_mirror
    )
    resolvers = sandbox.root / "resolvers"
    document = schema_export.bindings_document(pipeline_bindings(), DATA_SOURCES)
    (resolvers / "bindings.json").write_text(document, encoding="utf-8")
    for name in TEST_CODE_FILES:
        (resolvers / name).write_text(HANDLERS, encoding="utf-8")

    init = sandbox.run("envs/dev", "init", "-backend=false", "-input=false", "-no-color")
    assert init.returncode == 0, init.report()
    # Both test files: the mocked plan checks resolvers against the bindings, and the plan with
    # the real provider runs its own checks on the pipeline resolvers and functions.
    result = sandbox.run("envs/dev", "test", "-no-color")
    assert result.returncode == 0, result.report()
    assert re.search(r"Success! [1-9][0-9]* passed, 0 failed", result.output), result.report()
    assert 'run "one_resolver_per_binding"... pass' in result.output, result.report()
