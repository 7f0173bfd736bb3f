"""`util.transform` and `util.dynamodb` (appsync.md §6.2).

The expected outputs are those AWS's EvaluateCode returned for the same inputs, as recorded in
the localstack/appsync-utils snapshots (`transform.test.js.snap`,
`transform-subscription.test.js.snap`, `index.test.js.snap`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

Value = Callable[..., Any]


def n(value: Any) -> dict[str, Any]:
    return {"N": value}


def s(value: str) -> dict[str, Any]:
    return {"S": value}


FILTERS: list[tuple[str, str, dict[str, str], dict[str, Any]]] = [
    ("{ v: { ne: 'x' } }", "(#v <> :v_ne)", {"#v": "v"}, {":v_ne": s("x")}),
    ("{ v: { le: 'x' } }", "(#v <= :v_le)", {"#v": "v"}, {":v_le": s("x")}),
    ("{ v: { eq: null } }", "(#v = :v_eq)", {"#v": "v"}, {":v_eq": {"NULL": None}}),
    ("{ v: { eq: [1, 2] } }", "(#v = :v_eq)", {"#v": "v"}, {":v_eq": {"L": [n(1), n(2)]}}),
    ("{ v: { contains: 'x' } }", "(contains(#v,:v_contains))", {"#v": "v"},
     {":v_contains": s("x")}),
    ("{ v: { notContains: 'x' } }", "(NOT contains(#v,:v_notContains))", {"#v": "v"},
     {":v_notContains": s("x")}),
    ("{ v: { between: ['1', '9', '3'] } }", "(#v BETWEEN :v_between_start AND :v_between_end)",
     {"#v": "v"}, {":v_between_start": s("1"), ":v_between_end": s("9")}),
    ("{ v: { in: ['a', 'b'] } }", "(#v IN (:v_in_0, :v_in_1))", {"#v": "v"},
     {":v_in_0": s("a"), ":v_in_1": s("b")}),
    ("{ v: { in: [] } }", "(null)", {"#v": "v"}, {}),
    ("{ v: { attributeExists: false } }", "(attribute_not_exists(#v))", {"#v": "v"}, {}),
    ("{ v: { attributeType: '_null' } }", "(attribute_type(#v,:v_attributeType))", {"#v": "v"},
     {":v_attributeType": s("NULL")}),
    ("{ v: { size: { size: { gt: 1 } } } }", "(size(#v) > :v_size_size_gt)", {"#v": "v"},
     {":v_size_size_gt": n(1)}),
    ("{ v: { size: { gt: 2, lt: 5 } } }", "((size(#v) > :v_size_gt) AND (size(#v) < :v_size_lt))",
     {"#v": "v"}, {":v_size_gt": n(2), ":v_size_lt": n(5)}),
    ("{ v: { size: { attributeExists: true } } }", "(attribute_exists(size(#v)))", {"#v": "v"},
     {}),
    ("{ a: { eq: 1 }, b: { eq: 2 } }", "(#a = :a_eq) AND (#b = :b_eq)", {"#a": "a", "#b": "b"},
     {":a_eq": n(1), ":b_eq": n(2)}),
    ("{ and: [{ a: { eq: 1 } }] }", "(#a = :and_0_a_eq)", {"#a": "a"}, {":and_0_a_eq": n(1)}),
    ("{ or: [{ and: [{ a: { eq: 1 } }, { b: { eq: 2 } }] }, { c: { eq: 3 } }] }",
     "(((#a = :or_0_and_0_a_eq) AND (#b = :or_0_and_1_b_eq)) OR (#c = :or_1_c_eq))",
     {"#a": "a", "#b": "b", "#c": "c"},
     {":or_0_and_0_a_eq": n(1), ":or_0_and_1_b_eq": n(2), ":or_1_c_eq": n(3)}),
    ("{ not: { not: { a: { eq: 1 } } } }", "(NOT (NOT (#a = :not_not_a_eq)))", {"#a": "a"},
     {":not_not_a_eq": n(1)}),
    ("{ a: { eq: 1 }, and: [{ b: { eq: 2 } }] }", "(#a = :a_eq) AND (#b = :and_0_b_eq)",
     {"#a": "a", "#b": "b"}, {":a_eq": n(1), ":and_0_b_eq": n(2)}),
    ("{ 'a.b': { eq: 1 } }", "(#a.b = :a.b_eq)", {"#a.b": "a.b"}, {":a.b_eq": n(1)}),
    ("{ a: { eq: 1 }, b: {} }", "(#a = :a_eq) AND ", {"#a": "a", "#b": "b"}, {":a_eq": n(1)}),
    ("{ and: [{ a: { eq: 1 } }, {}] }", "((#a = :and_0_a_eq) AND )", {"#a": "a"},
     {":and_0_a_eq": n(1)}),
    ("{ not: {} }", "(NOT )", {}, {}),
    ("{ and: [] }", "", {}, {}),
]  # fmt: skip

UNRENDERABLE = [
    "null", "[]", "'string'", "{ v: { foo: 1 } }", "{ v: 'x' }", "{ a: { b: { eq: 1 } } }",
    "{ and: { a: { eq: 1 } } }", "{ and: null }", "{ and: [{ a: { eq: 1 } }, null] }",
    "{ not: [{ a: { eq: 1 } }] }", "{ v: { between: [1] } }", "{ v: { in: 'x' } }",
    "{ v: { attributeExists: 'yes' } }", "{ v: { attributeType: 'S' } }", "{ v: { size: 3 } }",
]  # fmt: skip


class TestDynamoDBExpressions:
    @pytest.mark.parametrize(("source", "expression", "names", "values"), FILTERS)
    def test_filter_expressions_render_as_aws_renders_them(
        self, value: Value, source: str, expression: str, names: Any, values: Any
    ) -> None:
        for entry in ("toDynamoDBFilterExpression", "toDynamoDBConditionExpression"):
            rendered = json.loads(value(f"util.transform.{entry}({source})"))
            assert rendered == {
                "expression": expression, "expressionNames": names, "expressionValues": values,
            }  # fmt: skip

    def test_the_result_is_a_json_string(self, value: Value) -> None:
        assert value(
            "util.transform.toDynamoDBFilterExpression({ content: { contains: 'foo' } })"
        ) == (
            '{"expression":"(contains(#content,:content_contains))",'
            '"expressionNames":{"#content":"content"},'
            '"expressionValues":{":content_contains":{"S":"foo"}}}'
        )

    @pytest.mark.parametrize("source", UNRENDERABLE)
    def test_a_filter_aws_cannot_render_gives_null(self, value: Value, source: str) -> None:
        assert value(f"util.transform.toDynamoDBFilterExpression({source})") is None


SUBSCRIPTION_FILTERS: list[tuple[str, list[list[tuple[str, str, Any]]]]] = [
    ("{ a: { eq: 1 }, b: { eq: 2 } }", [[("a", "eq", 1), ("b", "eq", 2)]]),
    ("{ z: { eq: 0 }, and: [{ a: { eq: 1 } }] }", [[("z", "eq", 0), ("a", "eq", 1)]]),
    ("{ a: { eq: 1, ne: 2 } }", [[("a", "eq", 1)], [("a", "ne", 2)]]),
    ("{ and: [{ a: { eq: 1 } }, { or: [{ b: { eq: 2 } }, { c: { eq: 3 } }] }] }",
     [[("a", "eq", 1), ("b", "eq", 2)], [("a", "eq", 1), ("c", "eq", 3)]]),
    ("{ p: { lte: 50, gte: 20 }, and: [{ t: { ne: 'B' } }],"
     " or: [{ au: { eq: 'A' } }, { pub: { eq: false } }] }",
     [[("p", "lte", 50), ("t", "ne", "B"), ("au", "eq", "A")],
      [("p", "lte", 50), ("t", "ne", "B"), ("pub", "eq", False)],
      [("p", "gte", 20), ("t", "ne", "B"), ("au", "eq", "A")],
      [("p", "gte", 20), ("t", "ne", "B"), ("pub", "eq", False)]]),
    ("{ a: { bogus: 1 } }", [[("a", "bogus", 1)]]),
    ("{ not: { a: { eq: 1 } } }", [[("not", "a", {"eq": 1})]]),
    ("{ a: { containsAny: ['x', 'y'] } }", [[("a", "containsAny", ["x", "y"])]]),
    ("{}", []),
    ("{ a: {} }", []),
    ("{ and: [] }", []),
]  # fmt: skip


def groups(expected: list[list[tuple[str, str, Any]]]) -> dict[str, Any]:
    return {
        "filterGroup": [
            {"filters": [{"fieldName": f, "operator": o, "value": v} for f, o, v in group]}
            for group in expected
        ]
    }


class TestSubscriptionFilters:
    @pytest.mark.parametrize(("source", "expected"), SUBSCRIPTION_FILTERS)
    def test_to_subscription_filter(self, value: Value, source: str, expected: Any) -> None:
        assert value(f"util.transform.toSubscriptionFilter({source})") == groups(expected)

    def test_ignored_fields_are_dropped_even_nested(self, value: Value) -> None:
        assert value(
            "util.transform.toSubscriptionFilter({ a: { eq: 1 }, and: [{ b: { eq: 2 } }] }, ['b'])"
        ) == groups([[("a", "eq", 1)]])

    def test_rules_are_alternatives_added_to_every_group(self, value: Value) -> None:
        assert value(
            "util.transform.toSubscriptionFilter({ a: { eq: 1 } }, [],"
            " { r1: { gte: 250 }, r2: { eq: 'p' } })"
        ) == groups([[("a", "eq", 1), ("r1", "gte", 250)], [("a", "eq", 1), ("r2", "eq", "p")]])

    @pytest.mark.parametrize("source", ["null", "[]", '\'{"a":{"eq":1}}\'', ""])
    def test_a_filter_that_is_not_an_object_gives_null(self, value: Value, source: str) -> None:
        assert value(f"util.transform.toSubscriptionFilter({source})") is None


class TestOpenSearch:
    def test_the_documented_example(self, value: Value) -> None:
        """The example of `toElasticsearchQueryDSL` in @aws-appsync/utils' type definitions."""
        text = value(
            "util.transform.toElasticsearchQueryDSL({ upvotes: { ne: 15, range: [10, 20] },"
            " title: { eq: 'hihihi', wildcard: 'h*i' } })"
        )
        assert json.loads(text) == {
            "bool": {"must": [
                {"bool": {"must": [
                    {"bool": {"must_not": {"term": {"upvotes": 15}}}},
                    {"range": {"upvotes": {"gte": 10, "lte": 20}}},
                ]}},
                {"bool": {"must": [{"term": {"title": "hihihi"}}, {"wildcard": {"title": "h*i"}}]}},
            ]}
        }  # fmt: skip


class TestDynamoDBValues:
    @pytest.mark.parametrize(
        ("call", "expected"),
        [
            ("toDynamoDB('test')", s("test")),
            ("toDynamoDB(12345)", n(12345)),
            ("toDynamoDB(true)", {"BOOL": True}),
            ("toString('test')", s("test")),
            ("toNumber(12345)", n(12345)),
            ("toBoolean(true)", {"BOOL": True}),
            ("toNull()", {"NULL": None}),
            ("toBinary('foo')", {"B": "foo"}),
            ("toStringSet(['foo', 'bar'])", {"SS": ["foo", "bar"]}),
            ("toNumberSet([1, 23, 4.56])", {"NS": [1, 23, 4.56]}),
            ("toBinarySet(['foo'])", {"BS": ["foo"]}),
            ("toList(['foo', 123, { bar: 'baz' }])",
             {"L": [s("foo"), n(123), {"M": {"bar": s("baz")}}]}),
            ("toMap({ foo: 'bar', baz: 1234, beep: ['boop'] })",
             {"M": {"foo": s("bar"), "baz": n(1234), "beep": {"L": [s("boop")]}}}),
            ("toMapValues({ foo: 'bar', baz: 1234 })", {"foo": s("bar"), "baz": n(1234)}),
            ("toS3Object('foo', 'bar', 'baz')",
             s('{"s3":{"key":"foo","bucket":"bar","region":"baz"}}')),
            ("toS3Object('foo', 'bar', 'baz', 'beep')",
             s('{"s3":{"key":"foo","bucket":"bar","region":"baz","version":"beep"}}')),
            ("fromS3ObjectJson('{\"s3\":{\"key\":\"k\",\"bucket\":\"b\",\"region\":\"r\"}}')",
             {"key": "k", "bucket": "b", "region": "r"}),
            ("toString(null)", None),
        ],
    )  # fmt: skip
    def test_util_dynamodb(self, value: Value, call: str, expected: Any) -> None:
        assert value(f"util.dynamodb.{call}") == expected
