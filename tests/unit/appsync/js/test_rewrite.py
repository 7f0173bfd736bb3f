"""Rewriting an APPSYNC_JS module into a registering script, and what the rewrite refuses."""

from __future__ import annotations

import pytest

from appsync.js.module_edit import RewriteError
from appsync.js.rewrite import MAX_CODE_BYTES, to_script

MODULES = {
    "@aws-appsync/utils": frozenset({"util", "runtime", "extensions"}),
    "@aws-appsync/utils/dynamodb": frozenset({"get", "put"}),
    "@aws-appsync/utils/rds": frozenset({"sql"}),
}
HANDLERS = (
    "export function request(ctx) { return {}; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)


def rewrite(source: str) -> str:
    return to_script("Query.me", source, modules=MODULES).text


def refusal(source: str) -> RewriteError:
    with pytest.raises(RewriteError) as caught:
        to_script("Query.me", source, modules=MODULES)
    return caught.value


class TestScript:
    def test_registers_the_handlers_under_the_resolver_id(self) -> None:
        text = rewrite(HANDLERS)
        assert text.startswith('globalThis.__appsync_register("Query.me", (function () {')
        assert "'use strict';" in text.splitlines()[0]
        assert text.rstrip().endswith("return { request: request, response: response };\n})());")

    def test_every_module_line_keeps_its_number_and_column(self) -> None:
        source = (
            "import { util } from '@aws-appsync/utils';\n"
            "export function request(ctx) { return util.autoId(); }\n"
            "  export const response = (ctx) => ctx.result;\n"
        )
        script = to_script("Query.me", source, modules=MODULES)
        body = script.text.splitlines()[script.line_offset :]
        for line_number, line in enumerate(source.splitlines()):
            rewritten = body[line_number]
            assert len(rewritten) == len(line)
            for column, char in enumerate(line):
                assert rewritten[column] in (char, " ")
        assert body[1].index("function request") == source.splitlines()[1].index("function request")

    def test_imports_become_bindings_on_the_first_line(self) -> None:
        first = rewrite("import { util } from '@aws-appsync/utils';\n" + HANDLERS).splitlines()[0]
        assert 'const { util } = globalThis.__appsync_modules["@aws-appsync/utils"];' in first

    def test_a_multi_line_import_is_blanked_line_by_line(self) -> None:
        source = "import {\n  util,\n  runtime,\n} from '@aws-appsync/utils';\n" + HANDLERS
        text = rewrite(source)
        assert text.splitlines()[1:5] == ["        ", "       ", "          ", " " * 28]

    def test_a_keyword_inside_a_string_or_comment_is_left_alone(self) -> None:
        source = (
            "// import x from 'fs'\n"
            'const note = "export default 1";\n'
            "const t = `import y from 'z'`;\n" + HANDLERS
        )
        text = rewrite(source)
        assert "// import x from 'fs'" in text
        assert 'const note = "export default 1";' in text
        assert "`import y from 'z'`" in text

    def test_the_code_is_not_otherwise_changed(self) -> None:
        assert "function request(ctx) { return {}; }" in rewrite(HANDLERS)

    def test_a_throw_member_is_not_a_throw_statement(self) -> None:
        # `throw` statements are refused (appsync.md §6.1), so no script uses one.
        member = HANDLERS.replace("return {};", "return ctx.throw;")
        assert not to_script("Q.f", member, modules=MODULES).uses_throw


class TestImportForms:
    def test_named(self) -> None:
        first = rewrite("import { util } from '@aws-appsync/utils';" + HANDLERS).splitlines()[0]
        assert "const { util } =" in first

    def test_renamed_and_several(self) -> None:
        source = 'import { util as u, runtime } from "@aws-appsync/utils"\n' + HANDLERS
        assert "const { util: u, runtime } =" in rewrite(source).splitlines()[0]

    def test_namespace(self) -> None:
        source = "import * as utils from '@aws-appsync/utils';\n" + HANDLERS
        first = rewrite(source).splitlines()[0]
        assert 'const utils = globalThis.__appsync_modules["@aws-appsync/utils"];' in first

    def test_submodules(self) -> None:
        source = (
            "import { get } from '@aws-appsync/utils/dynamodb';\n"
            "import * as rds from '@aws-appsync/utils/rds';\n" + HANDLERS
        )
        first = rewrite(source).splitlines()[0]
        assert (
            'const { get } = globalThis.__appsync_modules["@aws-appsync/utils/dynamodb"];' in first
        )
        assert 'const rds = globalThis.__appsync_modules["@aws-appsync/utils/rds"];' in first

    def test_for_side_effects_only(self) -> None:
        text = rewrite("import '@aws-appsync/utils';\n" + HANDLERS)
        assert "import" not in text


class TestExportForms:
    def test_function_declarations(self) -> None:
        assert to_script("Q.f", HANDLERS, modules=MODULES).exports == {"request", "response"}

    def test_const_arrow_functions(self) -> None:
        source = (
            "export const request = (ctx) => ({});\nexport const response = (ctx) => ctx.result;\n"
        )
        script = to_script("Q.f", source, modules=MODULES)
        assert script.exports == {"request", "response"}
        assert "export" not in script.text

    def test_export_list_with_aliases(self) -> None:
        source = (
            "function req(ctx) { return {}; }\nfunction res(ctx) { return ctx.result; }\n"
            "export { req as request, res as response };\n"
        )
        text = rewrite(source)
        assert "return { request: req, response: res };" in text
        assert "export" not in text

    def test_several_declarators_and_patterns(self) -> None:
        source = (
            "export const a = 1, { b, c: d = 2 } = {}, [e] = [];\n"
            "export let f\n"
            "export function request(ctx) { return {}; }\n"
            "export function response(ctx) { return ctx.result; }\n"
        )
        exports = to_script("Q.f", source, modules=MODULES).exports
        assert exports == {"a", "b", "d", "e", "f", "request", "response"}


class TestRefusals:
    def test_code_over_32_kb(self) -> None:
        padding = "// " + "x" * (MAX_CODE_BYTES - len(HANDLERS) - 4) + "\n"
        assert len((padding + HANDLERS).encode()) == MAX_CODE_BYTES
        to_script("Q.f", padding + HANDLERS, modules=MODULES)  # exactly the limit is fine
        error = refusal(padding + HANDLERS + " ")
        assert error.message == "The code is 32769 bytes, over the maximum code size of 32768 bytes"

    def test_size_counts_utf8_bytes(self) -> None:
        padding = "// " + "é" * (MAX_CODE_BYTES // 2) + "\n"
        assert "maximum code size" in refusal(padding + HANDLERS).message

    @pytest.mark.parametrize(
        "source",
        [
            "export default function request(ctx) { return {}; }\n",
            "function r(ctx) { return {}; }\nexport { r as default };\n",
        ],
    )
    def test_export_default(self, source: str) -> None:
        error = refusal(source)
        assert error.message.startswith("export default is not supported")
        assert error.line is not None

    def test_import_of_another_module(self) -> None:
        error = refusal("import { readFile } from 'fs';\n" + HANDLERS)
        assert error.message.startswith("Cannot find module 'fs'")
        assert (error.line, error.column) == (1, 26)

    def test_import_of_a_name_the_module_lacks(self) -> None:
        error = refusal("\nimport { util, fetch } from '@aws-appsync/utils';\n" + HANDLERS)
        assert error.message == (
            "The requested module '@aws-appsync/utils' does not provide an export named 'fetch'"
        )
        assert error.line == 2

    def test_default_import(self) -> None:
        assert refusal("import utils from '@aws-appsync/utils';\n" + HANDLERS).message.startswith(
            "Default imports are not supported"
        )

    def test_the_same_name_imported_twice(self) -> None:
        source = (
            "import { util } from '@aws-appsync/utils';\n"
            "import { util } from '@aws-appsync/utils';\n" + HANDLERS
        )
        error = refusal(source)
        assert error.message == "Identifier 'util' has already been declared"
        assert error.line == 2

    def test_dynamic_import(self) -> None:
        assert refusal("const m = import('fs');\n" + HANDLERS).message == (
            "Dynamic import() is not supported"
        )

    @pytest.mark.parametrize(
        "reexport", ["export * from '@aws-appsync/utils';", "export { util } from 'x';"]
    )
    def test_reexports(self, reexport: str) -> None:
        assert refusal(reexport + "\n" + HANDLERS).message == (
            "Re-exporting another module is not supported"
        )

    @pytest.mark.parametrize("missing", ["request", "response"])
    def test_a_missing_handler(self, missing: str) -> None:
        kept = "response" if missing == "request" else "request"
        error = refusal(f"export function {kept}(ctx) {{ return {{}}; }}\n")
        assert error.message.startswith(f"The code must export a function named '{missing}'")

    def test_a_handler_that_is_defined_but_not_exported(self) -> None:
        source = "export function request(ctx) { return {}; }\nfunction response(ctx) {}\n"
        assert "'response'" in refusal(source).message

    def test_an_unterminated_string_is_located(self) -> None:
        error = refusal("export function request(ctx) {\n  return 'abc;\n}\n")
        assert (error.message, error.line, error.column) == ("Unterminated string literal", 2, 10)


def test_unbalanced_code_is_left_for_the_compiler_to_locate() -> None:
    # The scan cannot see exports past a stray bracket; QuickJS reports the syntax error.
    script = to_script(
        "Q.f", "export function request(ctx) { return ) }\n" + HANDLERS, modules=MODULES
    )
    assert "return { request: request, response: response };" in script.text
