"""IndexedSource gives every position the line and column graphql-core's Source gives it."""

from __future__ import annotations

from graphql import Source
from hypothesis import given, strategies as st

from appsync.source import IndexedSource

# Text dense in every kind of line break, around ordinary characters.
TEXT = st.text(alphabet=st.sampled_from(["a", "{", " ", "\n", "\r", "\t", "é"]), max_size=60)


@given(TEXT, st.data())
def test_each_position_has_graphql_cores_line_and_column(body, data):
    position = data.draw(st.integers(min_value=0, max_value=len(body) + 1))
    assert IndexedSource(body).get_location(position) == Source(body).get_location(position)


def test_a_long_one_line_document_is_located_without_rescanning():
    body = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(5000)) + " }"
    source = IndexedSource(body)
    assert source.get_location(len(body) - 1) == Source(body).get_location(len(body) - 1)
    assert source.get_location(0).line == 1
