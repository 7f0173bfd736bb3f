"""`bnpl jobs run` against DynamoDB Local: one run of the credit service's sweep, its report on
stdout (JSON or text), the changes it makes published to the API, and its usage errors."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse

import pytest

from bnpl import cli
from services.credit import wiring
from services.credit.jobs.sweep import SweepReport
from services.shared.settings import Settings
from tests.functional.services.conftest import SHOP
from tests.functional.services.money_harness import Harness, accept_body, build_harness
from tests.functional.services.webhook_harness import Webhooks
from tests.functional.services.webhook_receiver import Receiver, Reply

pytestmark = pytest.mark.ddblocal

WEBHOOK_FIELDS = {
    "webhooks_dispatched",
    "webhooks_delivered",
    "webhook_attempts_failed",
    "webhooks_dead_lettered",
}
REPORT_FIELDS = {
    "leases_settled",
    "charges_given_back",
    "refunds_made",
    "checkouts_expired",
    "plans_marked_late",
    "failures",
}


@dataclass
class RecordedApi:
    """Stands in for the emulator's GraphQL endpoint: keeps every `publishCheckoutUpdate`."""

    port: int = 0
    inputs: list[dict[str, Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def published(self, checkout_id: str) -> list[dict[str, Any]]:
        return [i for i in self.inputs if i.get("id") == checkout_id]


@pytest.fixture
def api() -> Iterator[RecordedApi]:
    recorded = RecordedApi()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            recorded.inputs.append(body["variables"]["input"])
            answer = json.dumps({"data": {"publishCheckoutUpdate": None}}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            recorded.arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorded.port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield recorded
    server.shutdown()
    server.server_close()


@pytest.fixture
def jobs_env(
    ddb_settings: Settings,
    api: RecordedApi,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> Settings:
    """The environment `bnpl jobs` reads, pointing at the module's tables and `api`."""
    endpoint = urlparse(ddb_settings.dynamodb_endpoint)
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BNPL_HOST", str(endpoint.hostname))
    monkeypatch.setenv("BNPL_DYNAMODB_PORT", str(endpoint.port))
    monkeypatch.setenv("BNPL_TABLE_PREFIX", ddb_settings.table_prefix)
    monkeypatch.setenv("BNPL_APPSYNC_PORT", str(api.port))
    return ddb_settings


def accepted(harness: Harness) -> tuple[str, str]:
    """A shopper accepts PAY_IN_4 on a new checkout: (checkout id, plan id)."""
    sub = f"shopper-{uuid.uuid4().hex[:8]}"
    approved = harness.approved(sub)
    plan = wiring.plan_service(harness.settings).accept(sub=sub, payload=accept_body(approved))
    return approved.checkout_id, plan.id


def test_the_report_is_printed_as_json(
    jobs_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """With nothing to do the sweep still runs and reports every count, all zero."""
    assert cli.main(["jobs", "run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= REPORT_FIELDS
    assert set(report) == set(SweepReport().to_json()) | WEBHOOK_FIELDS
    assert all(value == 0 for value in report.values()), report


def test_a_run_sends_new_webhooks_and_retries_those_due(
    jobs_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sweep's run includes the webhook sender's: a new event is sent (and fails), and a
    later run retries it."""
    # A merchant of its own: the sweep's changes to other tests' checkouts go to theirs.
    hooks = Webhooks(jobs_env, replace(SHOP, id="m_jobs"))
    with Receiver(Reply(500), then=Reply(204)) as receiver:
        hooks.endpoint(receiver.url)
        event = hooks.event(hooks.checkout())

        assert cli.main(["jobs", "run", "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert (first["webhooks_dispatched"], first["webhook_attempts_failed"]) == (1, 1)

        # Past the first retry's backoff, within the checkout's hour (which would expire it).
        later = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
        assert cli.main(["jobs", "run", "--at", later, "--json"]) == 0
        second = json.loads(capsys.readouterr().out)
    assert second["webhooks_delivered"] == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [event.id, event.id]


def test_a_run_in_the_future_expires_an_uncaptured_checkout_and_publishes_it(
    jobs_env: Settings, api: RecordedApi, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--at` 29 days on: the confirmed checkout is EXPIRED, instalment 1 given back and the
    change published; the text report says so; a second run finds nothing more to do."""
    harness = build_harness(jobs_env)
    checkout_id, plan_id = accepted(harness)
    at = (datetime.now(UTC) + timedelta(days=29)).isoformat()

    assert cli.main(["jobs", "run", "--at", at, "--json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert (report["checkouts_expired"], report["failures"]) == (1, 0)
    checkout = harness.checkouts.get(checkout_id)
    assert checkout is not None
    assert checkout.status.value == "EXPIRED"
    stored = wiring.plan_service(jobs_env).get(sub=checkout.customer_id or "", plan_id=plan_id)
    assert stored.status.value == "CANCELLED"
    [payment] = stored.payments
    assert harness.provider.refunded(payment.charge_id) == 2500
    assert api.arrived.wait(timeout=10), "the expiry was not published"
    assert [u["status"] for u in api.published(checkout_id)] == ["EXPIRED"]

    assert cli.main(["jobs", "run", "--at", at]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "checkouts expired: 0" in lines
    assert "failures: 0" in lines
    assert harness.provider.refunded(payment.charge_id) == 2500


@pytest.mark.parametrize("at", ["nonsense", "2026-13-01T00:00:00Z", "2026-12-31T09:00:00"])
def test_a_bad_moment_is_a_usage_error(at: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--at` must be an ISO 8601 moment with a timezone: exit 2, one line on stderr."""
    assert cli.main(["jobs", "run", "--at", at]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("bnpl jobs: --at ")
    assert captured.err.count("\n") == 1


def test_no_stack_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listening where DynamoDB should be: exit 1 and what to do about it."""
    monkeypatch.setenv("BNPL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BNPL_DYNAMODB_PORT", "9")  # nothing listens there
    assert cli.main(["jobs", "run", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is `bnpl dev` up?" in captured.err
