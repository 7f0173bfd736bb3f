"""The rewrite of `import` statements: each becomes a `const` binding of a runtime module.

An import of a module the runtime provides (`@aws-appsync/utils` and its submodules) is checked
against the names that module exports and blanked out of the body; its `const` destructuring of
`globalThis.__appsync_modules[...]` is collected for the script's first line (imports are hoisted
in a module, so they are here too). Any other module is refused.
"""

from __future__ import annotations

import json

from appsync.js.lexer import Token
from appsync.js.module_edit import ModuleEdit

__all__ = ["ImportRewriting"]


class ImportRewriting(ModuleEdit):
    """Rewrites the module's import statements; the bindings are left on `bindings`."""

    def _import(self, index: int) -> int:
        first = self.tokens[index]
        i = index + 1
        token = self._at(i)
        if token is None:
            raise self._error("Unexpected end of input after 'import'", first)
        if token.kind == "string":  # import '@aws-appsync/utils'; (for its side effects)
            self._module(token)
            end = self._statement_end(i + 1)
            self._blank(first.start, self.tokens[end - 1].end)
            return end
        names, namespace, i = self._import_clause(i)
        if self._expect_name(i, "'from'") != "from":
            raise self._error("Unexpected token: expected 'from'", self.tokens[i])
        spec_token = self._at(i + 1)
        if spec_token is None or spec_token.kind != "string":
            raise self._error("Unexpected token: expected a module name", spec_token or first)
        spec = self._module(spec_token)
        after = self._at(i + 2)
        if after is not None and after.text in ("with", "assert") and not after.newline_before:
            raise self._error("Import attributes are not supported", after)
        for imported, _local in names:
            if imported not in self.modules[spec]:
                raise self._error(
                    f"The requested module '{spec}' does not provide an export named '{imported}'",
                    spec_token,
                )
        source = f"globalThis.__appsync_modules[{json.dumps(spec)}]"
        if namespace is not None:
            self._bind(namespace, first)
            self.bindings.append(f"const {namespace} = {source};")
        else:
            for _imported, local in names:
                self._bind(local, first)
            pattern = ", ".join(name if name == loc else f"{name}: {loc}" for name, loc in names)
            self.bindings.append(f"const {{ {pattern} }} = {source};")
        end = self._statement_end(i + 2)
        self._blank(first.start, self.tokens[end - 1].end)
        return end

    def _import_clause(self, i: int) -> tuple[list[tuple[str, str]], str | None, int]:
        """`{ a, b as c }` or `* as ns` at token `i`: (imported, local) pairs, namespace, next."""
        token = self.tokens[i]
        names: list[tuple[str, str]] = []
        if token.text == "*":
            if self._expect_name(i + 1, "'as'") != "as":
                raise self._error("Unexpected token: expected 'as'", self.tokens[i + 1])
            return names, self._expect_name(i + 2, "a namespace name"), i + 3
        if token.text == "{":
            return names, None, self._import_list(i + 1, names)
        if token.kind == "name":
            raise self._error(
                "Default imports are not supported: @aws-appsync/utils has no default export; "
                "use `import { util } from '@aws-appsync/utils'`",
                token,
            )
        raise self._error(f"Unexpected token {token.text!r} in import", token)

    def _import_list(self, i: int, names: list[tuple[str, str]]) -> int:
        while True:
            token = self._at(i)
            if token is not None and token.text == "}":
                return i + 1
            imported = self._expect_name(i, "an imported name")
            local = imported
            if self._text(i + 1) == "as":
                local = self._expect_name(i + 2, "a local name")
                i += 2
            names.append((imported, local))
            i += 1
            separator = self._at(i)
            if separator is not None and separator.text == ",":
                i += 1
            elif separator is None or separator.text != "}":
                raise self._error("Unexpected token: expected ',' or '}'", separator or token)

    def _module(self, token: Token) -> str:
        spec = token.text[1:-1]
        if spec not in self.modules:
            allowed = ", ".join(f"'{name}'" for name in sorted(self.modules))
            raise self._error(
                f"Cannot find module '{spec}': APPSYNC_JS code may only import {allowed}", token
            )
        return spec

    def _bind(self, local: str, token: Token) -> None:
        if local in self.imported:
            raise self._error(f"Identifier '{local}' has already been declared", token)
        self.imported[local] = token.start
