"""Lambda handlers run off the event loop, one event at a time per function, so handlers that
keep the current event at class level (Powertools' AppSyncResolver) never see another call's
event (issue 3 scope item 5; appsync.md §4: each Lambda execution environment gets one event at
a time, and Lambda scales out with more environments, each with its own memory). A shared
handler runs in one serial "environment"; a handler factory gives each of several environments
its own handler, so calls overlap and still never share an event."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import AppSyncResolver

from appsync.bindings import Binding
from appsync.datasources.lambda_function import LambdaDataSource
from tests.conformance.resolvers.harness import build_api

pytestmark = pytest.mark.anyio

SDL = """
type Seen { tag: String! seen: String! }
type Query { whoami(tag: String!): Seen  quick: String }
"""
QUICK = (
    "export function request(ctx) { return { payload: 'quick' }; }\n"
    "export function response(ctx) { return ctx.result; }\n"
)


class Tracked:
    """A Powertools AppSyncResolver app; it notes how many events it handled at once."""

    def __init__(self) -> None:
        self.app = AppSyncResolver()  # type: ignore[no-untyped-call]
        self.running = 0
        self.most_at_once = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

        @self.app.resolver(type_name="Query", field_name="whoami")
        def whoami(tag: str) -> dict[str, Any]:
            time.sleep(0.002)  # let any other call that could overlap run now
            # Powertools keeps the event on the class: this is what another call could clobber.
            event = self.app.current_event
            assert event is not None
            return {"tag": tag, "seen": event.arguments["tag"]}

    def __call__(self, event: Any, context: Any) -> Any:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            self.threads.add(threading.current_thread().name)
        try:
            return self.app.resolve(event, context)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def tracked():
    tracked = Tracked()
    source = LambdaDataSource("fn", handler=tracked, function_name="fn")
    yield tracked, source
    source.close()


async def test_concurrent_calls_each_see_their_own_event(tmp_path, serve, tracked):
    handler, source = tracked
    api = build_api(
        tmp_path,
        sdl=SDL,
        bindings=[Binding(type_name="Query", field_name="whoami", data_source="fn")],
        data_sources={"fn": source},
    )
    client = serve(api)
    tags = [f"t{i}" for i in range(40)]
    bodies = await asyncio.gather(
        *(
            client.query("query ($t: String!) { whoami(tag: $t) { tag seen } }", {"t": t})
            for t in tags
        )
    )
    assert [b["data"]["whoami"] for b in bodies] == [{"tag": t, "seen": t} for t in tags]
    assert handler.most_at_once == 1  # one event at a time, like one Lambda instance
    assert handler.threads == {t for t in handler.threads if t.startswith("lambda-fn")}
    assert threading.main_thread().name not in handler.threads


async def test_a_blocking_handler_does_not_hold_up_the_event_loop(tmp_path, serve):
    release = threading.Event()

    def slow(event: Any, context: Any) -> Any:
        release.wait(5)
        return {"tag": "slow", "seen": "slow"}

    source = LambdaDataSource("fn", handler=slow, function_name="fn")
    try:
        api = build_api(
            tmp_path,
            sdl=SDL,
            bindings=[
                Binding(type_name="Query", field_name="whoami", data_source="fn"),
                Binding(type_name="Query", field_name="quick", data_source="none", code="q.js"),
            ],
            data_sources={"fn": source, "none": None},
            code={"q.js": QUICK},
        )
        client = serve(api)
        pending = asyncio.ensure_future(client.query('{ whoami(tag: "x") { tag } }'))
        await asyncio.sleep(0.05)
        assert await client.query("{ quick }") == {"data": {"quick": "quick"}}
        assert not pending.done()
        release.set()
        assert (await pending)["data"] == {"whoami": {"tag": "slow"}}
    finally:
        release.set()
        source.close()


class TestExecutionEnvironments:
    async def test_each_environment_has_its_own_handler_and_calls_overlap(self, tmp_path, serve):
        built: list[Tracked] = []
        lock = threading.Lock()

        def new_environment() -> Tracked:
            with lock:
                built.append(Tracked())
                return built[-1]

        source = LambdaDataSource(
            "fn", handler_factory=new_environment, environments=4, function_name="fn"
        )
        try:
            api = build_api(
                tmp_path,
                sdl=SDL,
                bindings=[Binding(type_name="Query", field_name="whoami", data_source="fn")],
                data_sources={"fn": source},
            )
            client = serve(api)
            tags = [f"t{i}" for i in range(40)]
            query = "query ($t: String!) { whoami(tag: $t) { tag seen } }"
            bodies = await asyncio.gather(*(client.query(query, {"t": t}) for t in tags))
        finally:
            source.close()

        assert [b["data"]["whoami"] for b in bodies] == [{"tag": t, "seen": t} for t in tags]
        assert 1 < len(built) <= 4  # several environments ran, never more than allowed
        # Each environment is one thread, handling one event at a time.
        assert all(h.most_at_once == 1 and len(h.threads) == 1 for h in built)

    def test_a_shared_handler_cannot_run_in_several_environments(self):
        with pytest.raises(ValueError, match="several environments need a handler_factory"):
            LambdaDataSource("fn", handler=Tracked(), environments=2, function_name="fn")
        with pytest.raises(ValueError, match="exactly one of handler or handler_factory"):
            LambdaDataSource("fn", function_name="fn")

    async def test_closing_the_data_source_closes_every_environment(self):
        closed: list[int] = []

        class Closing:
            def __call__(self, event: Any, context: Any) -> Any:
                return event

            def close(self) -> None:
                closed.append(1)

        source = LambdaDataSource("fn", handler_factory=Closing, environments=2, function_name="fn")
        assert await source.invoke({"x": 1}) == {"x": 1}
        source.close()
        assert closed == [1]
