"""Lambda BatchInvoke (appsync.md §4; AWS-doc resolver-mapping-template-reference-lambda,
"Direct Lambda Resolvers: Batching enabled" and "Lambda function batched response").

The resolutions of one field within one request are gathered and sent as ONE event that is a
list (direct: the contexts; APPSYNC_JS `BatchInvoke`: the payloads), in batches of at most
`maxBatchSize`; the function answers with a list aligned with it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from appsync.api import AppSyncApi
from appsync.bindings import Binding
from appsync.datasources.calls import DEFAULT_JS_BATCH_SIZE
from appsync.datasources.lambda_function import LambdaDataSource
from tests.conformance.resolvers.harness import build_api

pytestmark = pytest.mark.anyio

SDL = """
type Post { id: ID! title: String related: [Post] }
type Query { posts(n: Int!): [Post] }
"""
POSTS = """
export function request(ctx) {
  return { payload: Array.from({ length: ctx.args.n }, (_, i) => ({ id: 'p' + (i + 1) })) };
}
export function response(ctx) { return ctx.result; }
"""
TITLE = """
import { util } from '@aws-appsync/utils';
export function request(ctx) {
  return { operation: 'BatchInvoke', payload: { id: ctx.source.id } };
}
export function response(ctx) {
  if (ctx.error) { util.error(ctx.error.message, ctx.error.type); }
  return ctx.result === null ? null : ctx.result.title;
}
"""


def related_of(event: list[dict[str, Any]]) -> list[Any]:
    """Direct batching: one `{data}` per context, an error item for post p2, null for p3."""
    answers: list[Any] = []
    for ctx in event:
        post_id = ctx["source"]["id"]
        if post_id == "p2":
            answers.append(
                {"data": [{"id": "x", "title": "t"}], "errorMessage": "Not found", "errorType": "E"}
            )
        elif post_id == "p3":
            answers.append(None)
        else:
            answers.append({"data": [{"id": f"{post_id}-r"}], "ignored": True})
    return answers


def api_with(
    tmp_path: Path,
    related: LambdaDataSource,
    title: LambdaDataSource | None = None,
    *,
    related_size: int = 2,
    title_size: int = 3,
) -> AppSyncApi:
    sources: dict[str, Any] = {"none": None, "related": related}
    bindings = [
        Binding(type_name="Query", field_name="posts", data_source="none", code="posts.js"),
        Binding(
            type_name="Post",
            field_name="related",
            data_source="related",
            max_batch_size=related_size,
        ),
    ]
    if title is not None:
        sources["titles"] = title
        bindings.append(
            Binding(
                type_name="Post",
                field_name="title",
                data_source="titles",
                code="title.js",
                max_batch_size=title_size,
            )
        )
    return build_api(
        tmp_path,
        sdl=SDL,
        bindings=bindings,
        data_sources=sources,
        code={"posts.js": POSTS, "title.js": TITLE},
    )


class TestDirectLambda:
    async def test_one_list_event_per_batch_of_at_most_max_batch_size(
        self, tmp_path, make_lambda, serve
    ):
        source, recorder = make_lambda("related", related_of)
        client = serve(api_with(tmp_path, source, related_size=2))
        body = await client.query("{ posts(n: 5) { id related { id } } }")
        # Every event is a list of whole contexts (the direct Lambda event, per item).
        assert [len(event) for event in recorder.events] == [2, 2, 1]
        sent = [ctx["source"]["id"] for event in recorder.events for ctx in event]
        assert sent == ["p1", "p2", "p3", "p4", "p5"]
        first = recorder.events[0][0]
        assert first["info"]["fieldName"] == "related"
        assert first["info"]["parentTypeName"] == "Post"
        assert first["arguments"] == {}
        posts = body["data"]["posts"]
        assert posts[0] == {"id": "p1", "related": [{"id": "p1-r"}]}
        assert posts[4] == {"id": "p5", "related": [{"id": "p5-r"}]}

    async def test_an_item_with_error_message_is_that_fields_error(
        self, tmp_path, make_lambda, serve
    ):
        """`#if($ctx.result && $ctx.result.errorMessage) $util.error(errorMessage, errorType,
        data)`: the field is null, the entry has the item's type and its data filtered."""
        source, _ = make_lambda("related", related_of)
        body = await serve(api_with(tmp_path, source)).query(
            "{ posts(n: 3) { id related { id } } }"
        )
        assert body["data"]["posts"][1] == {"id": "p2", "related": None}
        (error,) = body["errors"]
        assert error["path"] == ["posts", 1, "related"]
        assert error["errorType"] == "E"
        assert error["message"] == "Not found"
        assert error["data"] == [{"id": "x"}]  # `title` was not selected

    async def test_a_null_item_is_a_null_field(self, tmp_path, make_lambda, serve):
        source, _ = make_lambda("related", related_of)
        body = await serve(api_with(tmp_path, source)).query("{ posts(n: 3) { related { id } } }")
        assert body["data"]["posts"][2] == {"related": None}

    async def test_a_list_of_the_wrong_length_fails_every_item(self, tmp_path, make_lambda, serve):
        source, _ = make_lambda("related", lambda event: [{"data": []}])
        body = await serve(api_with(tmp_path, source, related_size=10)).query(
            "{ posts(n: 3) { related { id } } }"
        )
        assert body["data"]["posts"] == [{"related": None}] * 3
        assert [e["path"] for e in body["errors"]] == [["posts", i, "related"] for i in range(3)]
        assert {e["errorType"] for e in body["errors"]} == {"Lambda:Unhandled"}
        assert "list of 3 items" in body["errors"][0]["message"]

    async def test_a_function_that_raises_fails_the_whole_batch(self, tmp_path, make_lambda, serve):
        class BatchFailedError(Exception):
            pass

        def fail(event: Any) -> Any:
            raise BatchFailedError("all of them")

        source, recorder = make_lambda("related", fail)
        body = await serve(api_with(tmp_path, source, related_size=10)).query(
            "{ posts(n: 3) { related { id } } }"
        )
        assert len(recorder.events) == 1
        assert [(e["errorType"], e["message"]) for e in body["errors"]] == [
            ("BatchFailedError", "all of them")
        ] * 3

    async def test_nested_levels_batch_per_level(self, tmp_path, make_lambda, serve):
        """Each level's resolutions are ready together: one batch per level."""
        source, recorder = make_lambda("related", related_of)
        await serve(api_with(tmp_path, source, related_size=100)).query(
            "{ posts(n: 4) { related { related { id } } } }"
        )
        # Level 1: p1..p4 (p2 errors, p3 null); level 2: the related posts of p1 and p4.
        assert [len(event) for event in recorder.events] == [4, 2]

    async def test_two_requests_are_never_batched_together(self, tmp_path, make_lambda, serve):
        """The loader is per request (AppSync batches within one GraphQL request)."""
        source, recorder = make_lambda("related", related_of)
        client = serve(api_with(tmp_path, source, related_size=100))
        query = "{ posts(n: 2) { related { id } } }"
        await asyncio.gather(client.query(query), client.query(query))
        assert [len(event) for event in recorder.events] == [2, 2]


class TestJsBatchInvoke:
    """`operation: 'BatchInvoke'`: the payloads are merged into one list; each item of the
    answer is `ctx.result` of its field's response handler (null items allowed)."""

    async def test_payloads_go_as_one_list_and_items_come_back_per_field(
        self, tmp_path, make_lambda, serve
    ):
        related, _ = make_lambda("related", related_of)
        titles, recorder = make_lambda(
            "titles", lambda event: [{"title": f"title of {p['id']}"} for p in event]
        )
        body = await serve(api_with(tmp_path, related, titles, title_size=3)).query(
            "{ posts(n: 7) { title } }"
        )
        assert recorder.events == [
            [{"id": "p1"}, {"id": "p2"}, {"id": "p3"}],
            [{"id": "p4"}, {"id": "p5"}, {"id": "p6"}],
            [{"id": "p7"}],
        ]
        assert body == {"data": {"posts": [{"title": f"title of p{i}"} for i in range(1, 8)]}}

    async def test_a_failing_batch_is_ctx_error_for_each_field(self, tmp_path, make_lambda, serve):
        related, _ = make_lambda("related", related_of)

        def fail(event: Any) -> Any:
            raise RuntimeError("down")

        titles, _ = make_lambda("titles", fail)
        body = await serve(api_with(tmp_path, related, titles)).query("{ posts(n: 2) { title } }")
        assert body["data"]["posts"] == [{"title": None}, {"title": None}]
        assert [(e["errorType"], e["message"]) for e in body["errors"]] == [
            ("RuntimeError", "down")
        ] * 2

    async def test_without_max_batch_size_batches_of_the_default_size(
        self, tmp_path, make_lambda, serve
    ):
        related, _ = make_lambda("related", related_of)
        titles, recorder = make_lambda("titles", lambda event: [None] * len(event))
        await serve(api_with(tmp_path, related, titles, title_size=0)).query(
            "{ posts(n: 7) { title } }"
        )
        assert [len(e) for e in recorder.events] == [
            DEFAULT_JS_BATCH_SIZE,
            7 - DEFAULT_JS_BATCH_SIZE,
        ]
