"""The trace a request carries: ids taken from its headers only when well formed, carried to
pool threads and to the next hop, and a JSON log line per record that names it."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from services.shared import trace
from services.shared.logs import (
    TraceFilter,
    configure_logging,
    flush_logs,
    redact,
    stop_logging,
)
from services.shared.propagation import traced

ROOT = "1-6b14344d-eb4fcbefb9acda40b29a8652"


def test_a_request_keeps_the_callers_request_id_and_trace_root():
    got = trace.from_headers(
        {
            trace.REQUEST_ID_HEADER: "9ffe9777-e14b-4494-b710-4a8202738122",
            trace.TRACE_HEADER: f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1",
        }
    )
    assert (got.request_id, got.root, got.parent) == (
        "9ffe9777-e14b-4494-b710-4a8202738122",
        ROOT,
        "53995c3f42cd8ad8",
    )


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Root=not-a-root",
        "Root=1-6b14344d-eb4fcbefb9acda40b29a865",  # one hex short
        "Root=1-6B14344D-EB4FCBEFB9ACDA40B29A8652",  # X-Ray writes lower case
        f"Root={ROOT}\nforged log line",
    ],
)
def test_a_malformed_trace_header_starts_a_new_trace(header):
    got = trace.from_headers({trace.TRACE_HEADER: header} if header is not None else {})
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", got.root)
    assert got.root != ROOT


@pytest.mark.parametrize("carried", ["", "x", "a b", "id\nINFO forged", "é" * 10, "a" * 65])
def test_a_request_id_that_is_not_an_id_is_replaced(carried):
    got = trace.from_headers({trace.REQUEST_ID_HEADER: carried})
    assert got.request_id != carried
    assert re.fullmatch(r"[0-9a-f-]{36}", got.request_id)


def test_the_edge_gives_every_request_its_own_id_but_keeps_the_root():
    caller = {trace.REQUEST_ID_HEADER: "aaaaaaaa-1111", trace.TRACE_HEADER: f"Root={ROOT}"}
    got = trace.from_headers(caller, request_id="bbbbbbbb-2222")
    assert (got.request_id, got.root) == ("bbbbbbbb-2222", ROOT)


def test_the_next_hop_gets_the_same_ids_with_this_hop_as_its_parent():
    current = trace.from_headers(
        {
            trace.REQUEST_ID_HEADER: "req-12345678",
            trace.TRACE_HEADER: f"Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0",
        }
    )
    first, second = current.outgoing(), current.outgoing()
    assert first == second
    assert first[trace.REQUEST_ID_HEADER] == "req-12345678"
    fields = trace.parse_trace_header(first[trace.TRACE_HEADER])
    assert (fields["Root"], fields["Sampled"], fields["Parent"]) == (ROOT, "0", current.segment)
    assert re.fullmatch(r"[0-9a-f]{16}", current.segment)
    assert current.segment != "53995c3f42cd8ad8"  # the caller's segment is this one's parent
    assert current.parent == "53995c3f42cd8ad8"


def test_outside_a_request_nothing_is_sent():
    assert trace.current() is None
    assert trace.outgoing_headers() == {}


def test_pool_threads_run_in_their_submitters_trace():
    pool = trace.ContextThreadPool(max_workers=2)
    plain = ThreadPoolExecutor(max_workers=1)
    current = trace.Trace(request_id="req-12345678", root=ROOT)
    try:
        with trace.bound(current):
            seen = pool.submit(trace.current).result()
            unseen = plain.submit(trace.current).result()
    finally:
        pool.shutdown()
        plain.shutdown()
    assert seen == current
    assert unseen is None


def test_the_caller_is_named_for_the_rest_of_the_request():
    with trace.bound(trace.Trace(request_id="req-12345678", root=ROOT)):
        trace.set_caller("sandbox-approve")
        current = trace.current()
        assert current is not None
        assert current.sub == "sandbox-approve"
    assert trace.current() is None


def test_an_http_client_carries_the_trace_to_the_next_service():
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200)

    with traced(transport=httpx.MockTransport(answer)) as client:
        client.get("http://user.internal/customers/me")  # outside a request: nothing added
        with trace.bound(trace.Trace(request_id="req-12345678", root=ROOT)):
            client.get("http://user.internal/customers/me")
    assert trace.REQUEST_ID_HEADER not in seen[0]
    assert seen[1][trace.REQUEST_ID_HEADER] == "req-12345678"
    assert trace.parse_trace_header(seen[1][trace.TRACE_HEADER])["Root"] == ROOT


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The process's logs as `configure_logging` writes them, into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers = []
    stream = io.StringIO()
    configure_logging("credit", stream=stream, services={"services.credit_proxy": "credit-proxy"})
    try:
        yield stream
    finally:
        stop_logging()
        root.handlers, root.level = saved


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    flush_logs()
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_log_line_is_json_naming_the_service_request_trace_and_caller(json_lines):
    with trace.bound(trace.Trace(request_id="req-12345678", root=ROOT, sub="sandbox-approve")):
        logging.getLogger("services.credit.http").info(
            "POST /applications %d", 200, extra={"duration_ms": 12.5}
        )
    logging.getLogger("services.credit_proxy.handler").warning("outside any request")
    inside, outside = lines(json_lines)
    assert inside["message"] == "POST /applications 200"
    assert (inside["service"], inside["level"], inside["duration_ms"]) == ("credit", "INFO", 12.5)
    assert (inside["request_id"], inside["trace_id"], inside["sub"]) == (
        "req-12345678",
        ROOT,
        "sandbox-approve",
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(inside["timestamp"]))
    assert outside["service"] == "credit-proxy"
    assert "request_id" not in outside


def test_a_token_that_reaches_a_message_is_cut_out(json_lines):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    logging.getLogger("services.x").error("refused %s", f"Authorization: Bearer {jwt}")
    [line] = lines(json_lines)
    assert jwt not in json.dumps(line)
    assert "eyJ" not in json.dumps(line)
    assert line["message"] == "refused Authorization: [redacted]"


def test_redaction_leaves_ordinary_text_alone():
    text = "GET /applications/app_4d7348ae 200"
    assert redact(text) is text


def test_log_lines_written_from_many_threads_each_name_their_own_request(json_lines):
    def work(n: int) -> None:
        with trace.bound(trace.Trace(request_id=f"req-{n:08d}", root=ROOT)):
            logging.getLogger("services.credit").info("request %d", n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    got = {line["message"]: line["request_id"] for line in lines(json_lines)}
    assert got == {f"request {n}": f"req-{n:08d}" for n in range(20)}


def test_a_record_keeps_its_text_once_formatted_by_the_filter():
    record = logging.LogRecord("services.x", logging.INFO, __file__, 1, "plain %s", ("a",), None)
    assert TraceFilter().filter(record)
    assert record.getMessage() == "plain a"


def test_on_lambda_the_runtimes_handler_gives_way_so_no_line_is_written_twice(monkeypatch):
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    runtime = logging.StreamHandler(io.StringIO())
    root.handlers = [runtime]
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "bnpl-credit-proxy")
    stream = io.StringIO()
    try:
        configure_logging("credit-proxy", stream=stream)
        logging.getLogger("services.credit_proxy").info("once")
        assert runtime not in root.handlers
    finally:
        stop_logging()
        root.handlers, root.level = saved
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["once"]


def test_on_lambda_a_line_is_written_before_the_invocation_returns(monkeypatch):
    # An execution environment is frozen between invocations: nothing may wait for a thread.
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers = []
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "bnpl-screening-step")
    stream = io.StringIO()
    try:
        configure_logging("screening-step", stream=stream)
        logging.getLogger("services.credit").info("decided")
        written = stream.getvalue()  # no flush: already there
    finally:
        stop_logging()
        root.handlers, root.level = saved
    assert json.loads(written)["message"] == "decided"
    assert not [t for t in threading.enumerate() if t.name == "log-writer" and t.is_alive()]


def test_handed_off_lines_are_written_by_the_writer_in_the_order_logged(json_lines):
    logger = logging.getLogger("services.credit")
    for n in range(50):
        logger.info("line %d", n)
    # Not flushed: the writer thread writes them within its interval.
    deadline = time.monotonic() + 5
    while json_lines.getvalue().count("\n") < 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    written = [json.loads(line)["message"] for line in json_lines.getvalue().splitlines()]
    assert written == [f"line {n}" for n in range(50)]


def test_stopping_writes_what_was_still_waiting():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    root.handlers = []
    stream = io.StringIO()
    configure_logging("credit", stream=stream)
    try:
        for n in range(200):
            logging.getLogger("services.credit").info("line %d", n)
    finally:
        stop_logging()
        root.handlers, root.level = saved
    assert len(stream.getvalue().splitlines()) == 200
