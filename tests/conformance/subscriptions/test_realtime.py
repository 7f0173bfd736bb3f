"""The real-time WebSocket protocol and `@aws_subscribe` fan-out, against a served emulator.

Each test names the behaviour of the checklist it checks: appsync.md §7.1 (schema-level
behaviour), §7.2 (the protocol), §11 (what amplify-js sends), §1 (authorization on subscribe).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from appsync.realtime import realtime_endpoint
from tests.conformance.subscriptions.conftest import (
    Realtime,
    Stack,
    b64,
    build_api,
    cognito_token,
    iam_headers,
    serving,
)

pytestmark = pytest.mark.anyio

ON_ITEM = "subscription S($id: ID) { onItem(id: $id) { id name size } }"
PUT = """mutation Put($input: ItemInput!) {
  putItem(input: $input) { id name owner size tags meta { color level } }
}"""


async def test_connection_init_is_acked_with_the_connection_timeout(stack: Stack) -> None:
    """§7.2: subprotocol graphql-ws; connection_init → connection_ack {connectionTimeoutMs}."""
    realtime = await stack.connect(init=False)
    assert realtime.ws.subprotocol == "graphql-ws"
    assert await realtime.init() == {
        "type": "connection_ack",
        "payload": {"connectionTimeoutMs": 300000},
    }


@pytest.mark.parametrize("via", ["subprotocol", "query", "http"])
async def test_connection_credentials_are_read_where_clients_send_them(
    stack: Stack, via: str
) -> None:
    """§7.2 / §11: `header-<base64url, unpadded>` subprotocol, `?header=<base64>&payload=e30=`,
    or the upgrade's own HTTP headers."""
    realtime = await stack.connect(stack.cognito(), via=via)
    _, ack = await realtime.start(ON_ITEM, auth=stack.cognito())
    assert ack["type"] == "start_ack"


async def test_both_paths_serve_the_protocol(stack: Stack) -> None:
    """AppSync's realtime host serves `/graphql`; amplify-js dials `/graphql/realtime` locally."""
    realtime = await stack.connect(path="/graphql")
    _, ack = await realtime.start(ON_ITEM, auth=stack.cognito())
    assert ack["type"] == "start_ack"


async def test_bad_connection_credentials_get_connection_error_then_close(stack: Stack) -> None:
    """§7.2 / §11: a refused token gets `connection_error` (errorCode 401), then the socket
    closes; the upgrade itself is accepted (amplify-js retries forever on a refused upgrade)."""
    bad = {"host": stack.host, "Authorization": "not-a-token"}
    async with connect(
        f"ws://{stack.host}/graphql/realtime",
        subprotocols=[Subprotocol("graphql-ws"), Subprotocol(f"header-{b64(bad, url=True)}")],
    ) as ws:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert message["type"] == "connection_error"
        [error] = message["payload"]["errors"]
        assert error["errorType"] == "com.amazonaws.deepdish.graphql.auth#UnauthorizedException"
        assert error["errorCode"] == 401
        await asyncio.wait_for(ws.wait_closed(), 5)


async def test_iam_connection_and_start_are_sigv4_signed(stack: Stack) -> None:
    """§7.2: IAM signs POST https://<host>/graphql/connect (body {}) to connect, and
    POST https://<host>/graphql with the `data` string to start; a signature over other data is
    refused."""
    realtime = await stack.connect(stack.iam(), via="query")
    query = 'subscription { onItemIam(id: "x") { id } }'
    data = json.dumps({"query": query, "variables": {}})
    await realtime.send(
        {
            "id": "ok",
            "type": "start",
            "payload": {"data": data, "extensions": {"authorization": stack.iam(data)}},
        }
    )
    assert await realtime.recv() == {"type": "start_ack", "id": "ok"}
    signed_for_other = stack.iam(json.dumps({"query": query, "variables": {"x": 1}}))
    await realtime.send(
        {
            "id": "bad",
            "type": "start",
            "payload": {"data": data, "extensions": {"authorization": signed_for_other}},
        }
    )
    refused = await realtime.recv()
    assert refused["type"] == "error"
    assert refused["id"] == "bad"
    assert refused["payload"]["errors"][0]["errorType"] == "UnauthorizedException"


async def test_messages_before_the_ack_are_ignored(stack: Stack) -> None:
    """§7.2: "All messages sent before receiving connection_ack are ignored"."""
    realtime = await stack.connect(init=False)
    data = json.dumps({"query": ON_ITEM})
    await realtime.send(
        {
            "id": "early",
            "type": "start",
            "payload": {"data": data, "extensions": {"authorization": stack.cognito()}},
        }
    )
    await realtime.nothing()
    await realtime.init()
    _, ack = await realtime.start(ON_ITEM, auth=stack.cognito(), subscription_id="later")
    assert ack == {"type": "start_ack", "id": "later"}


async def test_a_mutation_reaches_its_subscribers_cut_to_their_selection(stack: Stack) -> None:
    """§7.1: subscribers of a field naming the mutation in @aws_subscribe get its result, with
    only the fields their own selection asks for, under their aliases."""
    realtime = await stack.connect()
    query = "subscription { onItem { id label: name } }"
    sid, _ = await realtime.start(query, auth=stack.cognito())
    result = await stack.mutate(PUT, {"input": {"id": "i1", "name": "Lamp", "size": 3}})
    assert result["data"]["putItem"]["id"] == "i1"
    assert await realtime.recv() == {
        "id": sid,
        "type": "data",
        "payload": {"data": {"onItem": {"id": "i1", "label": "Lamp"}}},
    }


async def test_fields_the_mutation_did_not_select_arrive_null(stack: Stack) -> None:
    """§7.1: "if the mutation lacked the author in its selection set, the subscriber would get a
    null value for the author field (or an error in case the author field is ... not-null)"."""
    realtime = await stack.connect()
    sid, _ = await realtime.start(
        "subscription { onItem { id name meta { color level } } }", auth=stack.cognito()
    )
    await stack.mutate(
        "mutation P($input: ItemInput!) { putItem(input: $input) { id meta { level } } }",
        {"input": {"id": "i2", "name": "Chair", "meta": {"color": "red", "level": 2}}},
    )
    message = await realtime.recv()
    assert message["id"] == sid
    # meta.color is String! and was not selected: an error, and meta (nullable) becomes null.
    assert message["payload"]["data"] == {"onItem": {"id": "i2", "name": None, "meta": None}}
    [error] = message["payload"]["errors"]
    assert error["path"] == ["onItem", "meta", "color"]
    assert "non null type" in error["message"]


async def test_arguments_filter_by_equality_with_the_result(stack: Stack) -> None:
    """§7.1: a subscriber's argument must equal the result's same-named field; an argument left
    out does not filter; an explicit null matches only null."""
    realtime = await stack.connect()
    for_a, _ = await realtime.start(ON_ITEM, {"id": "a"}, auth=stack.cognito())
    for_all, _ = await realtime.start(ON_ITEM, {}, auth=stack.cognito())
    ownerless, _ = await realtime.start(
        "subscription { onItem(owner: null) { id } }", auth=stack.cognito()
    )
    await stack.mutate(PUT, {"input": {"id": "b", "owner": "ann"}})
    got = await realtime.recv()
    assert (got["id"], got["payload"]["data"]["onItem"]["id"]) == (for_all, "b")
    await realtime.nothing()
    await stack.mutate(PUT, {"input": {"id": "a"}})
    received = {(await realtime.recv())["id"] for _ in range(3)}
    assert received == {for_a, for_all, ownerless}


async def test_only_the_named_mutations_publish_and_failures_publish_nothing(
    stack: Stack,
) -> None:
    """§7.1: only mutations named in @aws_subscribe fire; a mutation that errors (util.error)
    notifies nobody."""
    realtime = await stack.connect()
    await realtime.start(ON_ITEM, auth=stack.cognito())
    other = await stack.mutate(
        "mutation O($input: ItemInput!) { otherItem(input: $input) { id } }",
        {"input": {"id": "o"}},
    )
    assert other["data"]["otherItem"]["id"] == "o"
    failed = await stack.mutate(
        "mutation F($input: ItemInput!) { failItem(input: $input) { id } }",
        {"input": {"id": "f"}},
    )
    assert failed["errors"][0]["errorType"] == "Refused"
    await realtime.nothing()


async def test_stop_is_answered_with_complete_and_ends_delivery(stack: Stack) -> None:
    """§7.2: stop → complete; no data for that id afterwards."""
    realtime = await stack.connect()
    sid, _ = await realtime.start(ON_ITEM, auth=stack.cognito())
    await realtime.send({"type": "stop", "id": sid})
    assert await realtime.recv() == {"type": "complete", "id": sid}
    await stack.mutate(PUT, {"input": {"id": "s"}})
    await realtime.nothing()


async def test_each_start_carries_its_own_authorization(stack: Stack) -> None:
    """§7.2: a start's `extensions.authorization` is verified; a bad one gets an error for its
    id with UnauthorizedException."""
    realtime = await stack.connect()
    sid, refused = await realtime.start(
        ON_ITEM, auth={"host": stack.host, "Authorization": "garbage"}
    )
    assert refused["type"] == "error"
    assert refused["id"] == sid
    assert refused["payload"]["errors"][0]["errorType"] == "UnauthorizedException"


async def test_a_subscription_field_the_mode_may_not_use_is_refused(stack: Stack) -> None:
    """§1.3 on subscribe: `onItemIam` is @aws_iam only; a Cognito caller gets AppSync's
    field-level denial on the socket, never a start_ack."""
    realtime = await stack.connect()
    sid, refused = await realtime.start("subscription { onItemIam { id } }", auth=stack.cognito())
    assert refused == {
        "type": "error",
        "id": sid,
        "payload": {
            "errors": [
                {
                    "errorType": "Unauthorized",
                    "message": "Not Authorized to access onItemIam on type Subscription",
                }
            ]
        },
    }


async def test_a_subscription_resolver_may_refuse_with_util_unauthorized(stack: Stack) -> None:
    """§7.1 / AWS guide: subscription resolvers run when the subscription starts and may refuse
    it (util.unauthorized) from the caller's identity."""
    realtime = await stack.connect()
    _, refused = await realtime.start("subscription { onAdminItem { id } }", auth=stack.cognito())
    assert refused["type"] == "error"
    assert refused["payload"]["errors"][0]["errorType"] == "Unauthorized"
    _, ack = await realtime.start(
        "subscription { onAdminItem { id } }", auth=stack.cognito(groups=("admins",))
    )
    assert ack["type"] == "start_ack"


async def test_enhanced_filters_replace_argument_filtering(stack: Stack) -> None:
    """§7.1: `extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter(...))` in the
    subscription's response handler decides delivery (groups ORed, rules ANDed, dotted paths);
    the arguments then no longer filter by equality (`minSize` is not a field of Item)."""
    realtime = await stack.connect()
    sid, ack = await realtime.start(
        "subscription { onBigItem(minSize: 10) { id } }", auth=stack.cognito()
    )
    assert ack["type"] == "start_ack"
    await stack.mutate(PUT, {"input": {"id": "small", "size": 2}})
    await stack.mutate(PUT, {"input": {"id": "big", "size": 12}})
    await stack.mutate(
        PUT, {"input": {"id": "gold", "size": 1, "meta": {"color": "gold", "level": 1}}}
    )
    got = [(await realtime.recv())["payload"]["data"]["onBigItem"]["id"] for _ in range(2)]
    assert got == ["big", "gold"]
    await realtime.nothing()
    assert sid


async def test_a_filter_over_appsync_limits_refuses_the_start(stack: Stack) -> None:
    """§7.1 limits: `in` takes at most five values."""
    realtime = await stack.connect()
    _, refused = await realtime.start(
        "subscription { onBigItem(minSize: 999) { id } }", auth=stack.cognito()
    )
    assert refused["type"] == "error"
    assert "at most 5 values" in refused["payload"]["errors"][0]["message"]


async def test_invalid_documents_and_other_operations_are_refused(stack: Stack) -> None:
    """§7.2: a start whose query fails validation gets an error for its id (graphql-java's
    wording, errorCode 400); a query or mutation is not served on the realtime channel."""
    realtime = await stack.connect()
    _, invalid = await realtime.start("subscription { onItem { nope } }", auth=stack.cognito())
    assert invalid["type"] == "error"
    assert invalid["payload"]["errors"][0]["errorCode"] == 400
    assert "nope" in invalid["payload"]["errors"][0]["message"]
    _, query = await realtime.start("query { ping }", auth=stack.cognito())
    assert query["payload"]["errors"] == [
        {
            "errorType": "UnsupportedOperation",
            "message": "query not supported through the realtime channel",
        }
    ]


async def test_subscription_ids_must_be_unique_on_a_connection(stack: Stack) -> None:
    """§7.2: "This ID must be unique for each subscription, otherwise the server returns an
    error indicating that the subscription ID is duplicated"."""
    realtime = await stack.connect()
    await realtime.start(ON_ITEM, auth=stack.cognito(), subscription_id="same")
    _, duplicate = await realtime.start(ON_ITEM, auth=stack.cognito(), subscription_id="same")
    assert duplicate["type"] == "error"
    assert duplicate["id"] == "same"
    assert duplicate["payload"]["errors"][0]["errorType"] == "DuplicatedOperationError"


async def test_closing_the_socket_unregisters_its_subscriptions(stack: Stack) -> None:
    """A connection's subscriptions end with it: nothing is left to publish to."""
    realtime = await stack.connect()
    await realtime.start(ON_ITEM, auth=stack.cognito())
    hub = stack.api.publisher.__self__  # type: ignore[union-attr]
    assert hub.subscriber_count == 1
    await realtime.ws.close()
    for _ in range(200):
        if hub.subscriber_count == 0:
            break
        await asyncio.sleep(0.01)
    assert hub.subscriber_count == 0


async def test_iam_headers_helper_matches_what_gql_sends() -> None:
    """The test helper signs as gql's AppSyncIAMAuthentication does (same header names)."""
    headers = iam_headers("example.test:443", None)
    assert {"accept", "content-encoding", "content-type", "host", "X-Amz-Date"} <= set(headers)
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")


async def test_keep_alive_messages_follow_the_ack(tmp_path: Path, jwks_url: str) -> None:
    """§7.2: the server sends `{"type":"ka"}` periodically once the connection is acknowledged
    (the period is the endpoint's `keep_alive_s`; AppSync's own is about a minute)."""
    api = build_api(tmp_path, jwks_url)
    _, endpoint = realtime_endpoint(api, keep_alive_s=0.05)
    app = Starlette(routes=[WebSocketRoute("/graphql/realtime", endpoint)])
    async with serving(app) as host:
        auth = {"host": host, "Authorization": cognito_token()}
        async with connect(
            f"ws://{host}/graphql/realtime",
            subprotocols=[Subprotocol("graphql-ws"), Subprotocol(f"header-{b64(auth, url=True)}")],
        ) as ws:
            realtime = Realtime(ws)
            await realtime.send({"type": "connection_init"})
            assert (await realtime.recv())["type"] == "connection_ack"
            kinds = [(await realtime.recv(keep_alive=True))["type"] for _ in range(3)]
            assert kinds == ["ka", "ka", "ka"]
