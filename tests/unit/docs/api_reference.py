"""Reads docs/api.md and the generated schema, and says where they disagree.

The page's operation tables (under `## Queries`, `## Mutations`, `## Subscriptions`) hold one
operation per row: its signature as a code span, then its auth modes. The types and inputs each
have a `### \\`Name\\`` section whose table lists every field with its type; the `## Enums` table
lists each enum's values as code spans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    parse,
    print_ast,
)

ROOTS = {"Queries": "Query", "Mutations": "Mutation", "Subscriptions": "Subscription"}
# What each AppSync auth directive is called in the page's auth column.
MODES = {
    "aws_cognito_user_pools": "Cognito",
    "aws_iam": "IAM",
    "aws_api_key": "API key",
    "aws_oidc": "OIDC",
    "aws_lambda": "Lambda",
}
DEFAULT_MODE = "Cognito"
# One auth entry: a mode, a Cognito group if the schema names one, then an optional note.
_AUTH_ENTRY = re.compile(
    r"^(?P<mode>Cognito|IAM|API key|OIDC|Lambda)(?: group `(?P<group>[^`]+)`)?(?: \([^()]*\))?$"
)
_SEPARATOR = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")
_CODE = re.compile(r"`([^`]+)`")

Auth = frozenset[tuple[str, frozenset[str]]]


@dataclass
class Table:
    """One markdown table and the headings it sits under."""

    section: str
    subsection: str
    rows: list[list[str]] = field(default_factory=list)


def tables(markdown: str) -> list[Table]:
    """Every table of the page, with its `##` and `###` headings (code spans unwrapped)."""
    found: list[Table] = []
    section = subsection = ""
    lines = markdown.splitlines()
    in_table = False
    for number, line in enumerate(lines):
        if line.startswith("## "):
            section, subsection = line[3:].strip(), ""
        elif line.startswith("### "):
            subsection = line[4:].strip().strip("`")
        if not line.startswith("|"):
            in_table = False
            continue
        if _SEPARATOR.match(line):
            continue
        if not in_table:
            # A table's first line is its header: the next line is the separator.
            in_table = True
            if number + 1 < len(lines) and _SEPARATOR.match(lines[number + 1]):
                found.append(Table(section, subsection))
                continue
        if found:
            found[-1].rows.append(_cells(line))
    return found


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]


def _code(cell: str) -> str:
    match = _CODE.search(cell)
    return match.group(1) if match else ""


def parse_auth(cell: str) -> Auth:
    """The modes (and Cognito groups) an auth cell names.

    Raises:
        ValueError: the cell does not follow the page's convention.
    """
    entries, depth, current = [], 0, ""
    for char in cell:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            entries.append(current.strip())
            current = ""
        else:
            current += char
    entries.append(current.strip())
    modes = set()
    for entry in entries:
        match = _AUTH_ENTRY.match(entry)
        if match is None:
            raise ValueError(f"auth {entry!r} is not a mode the page knows")
        groups = frozenset({match["group"]}) if match["group"] else frozenset()
        modes.add((match["mode"], groups))
    return frozenset(modes)


def show(auth: Auth) -> str:
    return ", ".join(
        sorted(mode + "".join(f" group `{g}`" for g in sorted(groups)) for mode, groups in auth)
    )


# ---------------------------------------------------------------- the schema's side


def _signature(node: FieldDefinitionNode) -> str:
    args = ", ".join(f"{a.name.value}: {print_ast(a.type)}" for a in node.arguments or ())
    return (
        f"{node.name.value}({args}): {print_ast(node.type)}"
        if args
        else (f"{node.name.value}: {print_ast(node.type)}")
    )


def _auth(node: FieldDefinitionNode) -> Auth:
    modes = set()
    for directive in node.directives or ():
        mode = MODES.get(directive.name.value)
        if mode is None:
            continue
        groups: set[str] = set()
        for argument in directive.arguments or ():
            if argument.name.value == "cognito_groups" and isinstance(
                argument.value, ListValueNode
            ):
                groups |= {v.value for v in argument.value.values if isinstance(v, StringValueNode)}
        modes.add((mode, frozenset(groups)))
    return frozenset(modes) or frozenset({(DEFAULT_MODE, frozenset())})


@dataclass(frozen=True)
class Schema:
    """What the page must say: operations (signature, auth), type fields, enum values."""

    operations: dict[str, tuple[str, Auth]]
    types: dict[str, dict[str, str]]
    enums: dict[str, list[str]]


def read_schema(sdl: str) -> Schema:
    document: DocumentNode = parse(sdl)
    operations: dict[str, tuple[str, Auth]] = {}
    types: dict[str, dict[str, str]] = {}
    enums: dict[str, list[str]] = {}
    for node in document.definitions:
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value in ROOTS.values():
            for op in node.fields or ():
                operations[f"{node.name.value}.{op.name.value}"] = (_signature(op), _auth(op))
        elif isinstance(node, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode):
            types[node.name.value] = {f.name.value: print_ast(f.type) for f in node.fields or ()}
        elif isinstance(node, EnumTypeDefinitionNode):
            enums[node.name.value] = [v.name.value for v in node.values or ()]
    return Schema(operations, types, enums)


# ---------------------------------------------------------------- the comparison


def _compare_operations(found: list[Table], schema: Schema) -> list[str]:
    drift = []
    documented: dict[str, tuple[str, str]] = {}
    for table in found:
        root = ROOTS.get(table.section)
        if root is None or table.subsection:
            continue
        for row in table.rows:
            signature = _code(row[0])
            name = re.match(r"\w+", signature)
            key = f"{root}.{name.group(0) if name else row[0]}"
            if key in documented:
                drift.append(f"{key} is documented twice")
            documented[key] = (signature, row[1] if len(row) > 1 else "")
    for key in sorted(schema.operations.keys() - documented.keys()):
        root = key.split(".")[0]
        section = next(s for s, r in ROOTS.items() if r == root)
        drift.append(f"{key} is in the schema but not in docs/api.md's {section} table")
    for key in sorted(documented.keys() - schema.operations.keys()):
        drift.append(f"{key} is documented but the schema has no such operation")
    for key in sorted(documented.keys() & schema.operations.keys()):
        (signature, auth_cell), (expected, auth) = documented[key], schema.operations[key]
        if signature != expected:
            drift.append(f"{key}: docs/api.md says `{signature}`, the schema says `{expected}`")
        try:
            stated = parse_auth(auth_cell)
        except ValueError as exc:
            drift.append(f"{key}: {exc}")
            continue
        if stated != auth:
            drift.append(
                f"{key}: docs/api.md gives auth {show(stated)}, "
                f"the schema's directives give {show(auth)}"
            )
    return drift


def _compare_types(found: list[Table], schema: Schema) -> list[str]:
    drift = []
    documented: dict[str, dict[str, str]] = {}
    for table in found:
        if table.subsection and table.section in {"Types", "Inputs"}:
            documented[table.subsection] = {_code(r[0]): _code(r[1]) for r in table.rows}
    for name in sorted(schema.types.keys() - documented.keys()):
        drift.append(f"type {name} is in the schema but docs/api.md has no section for it")
    for name in sorted(documented.keys() - schema.types.keys()):
        drift.append(f"type {name} is documented but the schema has no such type")
    for name in sorted(documented.keys() & schema.types.keys()):
        stated, expected = documented[name], schema.types[name]
        for missing in sorted(expected.keys() - stated.keys()):
            drift.append(f"{name}.{missing} is in the schema but not in docs/api.md")
        for extra in sorted(stated.keys() - expected.keys()):
            drift.append(f"{name}.{extra} is documented but the schema has no such field")
        for field_name in sorted(stated.keys() & expected.keys()):
            if stated[field_name] != expected[field_name]:
                drift.append(
                    f"{name}.{field_name}: docs/api.md says `{stated[field_name]}`, "
                    f"the schema says `{expected[field_name]}`"
                )
    return drift


def _compare_enums(found: list[Table], schema: Schema) -> list[str]:
    drift = []
    documented: dict[str, list[str]] = {}
    for table in found:
        if table.section == "Enums" and not table.subsection:
            documented.update({_code(r[0]): _CODE.findall(r[1]) for r in table.rows})
    for name in sorted(schema.enums.keys() - documented.keys()):
        drift.append(f"enum {name} is in the schema but not in docs/api.md's Enums table")
    for name in sorted(documented.keys() - schema.enums.keys()):
        drift.append(f"enum {name} is documented but the schema has no such enum")
    for name in sorted(documented.keys() & schema.enums.keys()):
        if documented[name] != schema.enums[name]:
            drift.append(
                f"enum {name}: docs/api.md lists {' '.join(documented[name])}, "
                f"the schema has {' '.join(schema.enums[name])}"
            )
    return drift


def drift(markdown: str, sdl: str) -> list[str]:
    """Every way the page and the schema disagree; empty when they agree."""
    found = tables(markdown)
    schema = read_schema(sdl)
    return (
        _compare_operations(found, schema)
        + _compare_types(found, schema)
        + _compare_enums(found, schema)
    )
