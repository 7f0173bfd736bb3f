"""Faults between taking money and recording it, against DynamoDB Local and the durable sandbox
card network: the answer is lost after the charge (a timeout), and the process dies after the
charge (a real uvicorn subprocess that `os._exit`s). Either way the money is taken once: a retry
with the same key finds the charge, and a charge nobody comes back for is given back once the
lease runs out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bnpl.dynamodb_local import free_port
from services.credit.app import create_app
from services.credit.checkouts.domain import CheckoutStatus
from services.credit.models import CheckoutModel, PlanModel
from services.credit.payments.provider import Charge, Refund
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.plans.requests import charge_key, request_id
from services.credit.wiring import plan_service, sweep
from services.shared.dynamodb import bind
from services.shared.errors import DependencyFailure
from services.shared.money import Money
from services.shared.settings import Settings
from tests.conftest import IdentityProvider, service_environ
from tests.functional.services.conftest import ServedApp
from tests.functional.services.money_harness import (
    Harness,
    accept_body,
    client,
    harness,
    post,
    server,
    shopper,
)
from tests.functional.services.payment_fault_app import CRASH_FILE_ENV

__all__ = ["client", "harness", "server", "shopper"]  # fixtures, used by name

pytestmark = [pytest.mark.ddblocal]

ROOT = Path(__file__).resolve().parents[3]
FIRST_PAYMENT = 2_500


class TimesOutAfterCharging:
    """The durable sandbox card network, whose answer is lost (a timeout) after it charged, on
    the next `armed` calls."""

    def __init__(self, real: DynamoSandboxPaymentProvider) -> None:
        self.real = real
        self.armed = 0

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        charge = self.real.charge(token=token, amount=amount, idempotency_key=idempotency_key)
        if self.armed:
            self.armed -= 1
            raise DependencyFailure("The card network did not answer; retry with the same key")
        return charge

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        return self.real.find_charge(idempotency_key=idempotency_key)

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        return self.real.refund(charge_id=charge_id, amount=amount, idempotency_key=idempotency_key)


@dataclass
class Faulty:
    provider: TimesOutAfterCharging
    client: httpx.Client


@pytest.fixture(scope="module")
def faulty(harness: Harness) -> Iterator[Faulty]:
    """The credit app over the harness's tables, its plans charging through the timing-out
    card network, on its own uvicorn."""
    settings = harness.settings
    provider = TimesOutAfterCharging(harness.provider)
    plans = plan_service(settings, checkouts=harness.checkouts, provider=provider)
    app = create_app(settings, checkouts=harness.checkouts, plans=plans)
    with ServedApp(app) as served, httpx.Client(base_url=served.url, timeout=30) as c:
        yield Faulty(provider, c)


def charge_items(scan: Any, charge_id: str) -> list[dict[str, Any]]:
    return [item for item in scan("sandbox_charges") if item["id"]["S"] == charge_id]


def lease_owner(settings: Settings, model: Any, key: str) -> str | None:
    return bind(model, settings).get(key, consistent_read=True).lease_owner  # type: ignore[no-any-return]


def plans_of(scan: Any, checkout_id: str) -> list[dict[str, Any]]:
    return [i for i in scan("plans") if i["checkout_id"]["S"] == checkout_id]


class TestAnswerLostAfterCharging:
    def test_accept_fails_keeps_its_lease_and_the_retry_finds_the_charge(
        self, harness, faulty, shopper, scan
    ):
        """The card network charges but the answer is lost: acceptOffer answers
        DependencyFailure (502) and writes no plan, the checkout stays leased to the request
        (another key meanwhile is IN_PROGRESS, without charging), and the retry with the same
        key gets 200 with the one charge: one charge item, one plan, nothing given back."""
        sub, token = shopper()
        approved = harness.approved(sub)
        body = accept_body(approved)
        key = charge_key(sub, body["idempotencyKey"])
        charges_before = len(scan("sandbox_charges"))
        faulty.provider.armed = 1

        failed = post(faulty.client, "/plans", token, body)

        assert (failed.status_code, failed.json()["error"]) == (502, "DependencyFailure")
        charge = harness.provider.find_charge(idempotency_key=key)
        assert charge is not None
        assert charge.succeeded
        assert plans_of(scan, approved.checkout_id) == []
        owner = request_id(sub, body["idempotencyKey"])
        assert lease_owner(harness.settings, CheckoutModel, approved.checkout_id) == owner
        other = post(faulty.client, "/plans", token, accept_body(approved))
        assert (other.status_code, other.json()["details"]["reason"]) == (409, "IN_PROGRESS")

        retried = post(faulty.client, "/plans", token, body)

        assert retried.status_code == 200, retried.text
        assert len(charge_items(scan, charge.id)) == 1
        assert len(scan("sandbox_charges")) == charges_before + 1
        [plan] = plans_of(scan, approved.checkout_id)
        assert plan["id"]["S"] == retried.json()["id"]
        assert harness.provider.refunded(charge.id) == 0
        checkout = harness.checkouts.get(approved.checkout_id)
        assert checkout is not None
        assert checkout.status is CheckoutStatus.CONFIRMED
        assert lease_owner(harness.settings, CheckoutModel, approved.checkout_id) is None

    def test_pay_fails_keeps_its_lease_and_the_retry_finds_the_charge(
        self, harness, faulty, shopper, scan
    ):
        """The same for payInstalment: 502, the plan stays leased (another key is IN_PROGRESS),
        the retry gets 200 with the one charge, and instalment 2 is paid once."""
        sub, token = shopper()
        plan = post(faulty.client, "/plans", token, accept_body(harness.approved(sub))).json()
        path = f"/plans/{plan['id']}/payments"
        body = {"instalmentNumber": 2, "paymentMethodToken": "tok_visa", "idempotencyKey": "p2"}
        faulty.provider.armed = 1

        failed = post(faulty.client, path, token, body)

        assert (failed.status_code, failed.json()["error"]) == (502, "DependencyFailure")
        charge = harness.provider.find_charge(idempotency_key=charge_key(sub, "p2"))
        assert charge is not None
        assert lease_owner(harness.settings, PlanModel, plan["id"]) == request_id(sub, "p2")
        other = post(faulty.client, path, token, {**body, "idempotencyKey": "p2-other"})
        assert (other.status_code, other.json()["details"]["reason"]) == (409, "IN_PROGRESS")

        retried = post(faulty.client, path, token, body)

        assert retried.status_code == 200, retried.text
        assert retried.json()["instalmentNumbers"] == [2]
        assert len(charge_items(scan, charge.id)) == 1
        assert harness.provider.find_charge(idempotency_key=charge_key(sub, "p2-other")) is None
        stored = post(faulty.client, path, token, body).json()
        assert stored == retried.json()
        assert lease_owner(harness.settings, PlanModel, plan["id"]) is None


# ---------------------------------------------------------------- the process dies


class CreditProcess:
    """The credit service as its own uvicorn process (`payment_fault_app`), on the module's
    tables and the session's identity provider."""

    def __init__(self, settings: Settings, idp: IdentityProvider, workdir: Path) -> None:
        self.switch = workdir / "crash-after-charging"
        self.log = workdir / "credit.log"
        self.port = free_port()
        inherited = {
            k: v for k, v in os.environ.items() if not k.startswith(("BNPL_", "AWS_", "PYTHON"))
        }
        assert settings.dynamodb_endpoint is not None
        self.env = {
            **inherited,
            **service_environ(idp),
            "BNPL_DYNAMODB_ENDPOINT": settings.dynamodb_endpoint,
            "BNPL_TABLE_PREFIX": settings.table_prefix,
            "BNPL_APPSYNC_URL": "",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            CRASH_FILE_ENV: str(self.switch),
            "PYTHONPATH": str(ROOT),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def crash_after_charging(self, *provider_keys: str) -> None:
        self.switch.write_text("\n".join(provider_keys))

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "tests.functional.services.payment_fault_app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the credit service exited:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        pytest.fail(f"the credit service did not start:\n{self.log.read_text()}")

    def died(self) -> int:
        """The exit code of the process, which must be gone (it was told to die)."""
        assert self.process is not None
        return self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def process(harness: Harness, identity_provider: IdentityProvider, tmp_path: Path) -> Iterator[Any]:
    service = CreditProcess(harness.settings, identity_provider, tmp_path)
    yield service
    service.stop()


def dies(service: CreditProcess, token: str, body: dict[str, Any]) -> None:
    """Send acceptOffer to `service`, which must die answering nothing."""
    with pytest.raises(httpx.TransportError):
        httpx.post(
            f"{service.url}/plans",
            json=body,
            headers={"authorization": f"Bearer {token}"},
            timeout=30,
        )
    assert service.died() == 1


class TestProcessDiesAfterCharging:
    def test_the_retry_after_a_restart_finds_the_charge(self, harness, process, shopper, scan):
        """The service dies between charging and writing the plan; started again (without the
        fault), the retry with the same key answers 200: one charge, one plan, nothing given
        back."""
        sub, token = shopper()
        approved = harness.approved(sub)
        body = accept_body(approved)
        key = charge_key(sub, body["idempotencyKey"])
        charges_before = len(scan("sandbox_charges"))
        process.crash_after_charging(key)
        process.start()

        dies(process, token, body)

        charge = harness.provider.find_charge(idempotency_key=key)
        assert charge is not None
        assert charge.succeeded
        assert plans_of(scan, approved.checkout_id) == []
        process.crash_after_charging()  # no fault this time
        process.start()

        with httpx.Client(base_url=process.url, timeout=30) as restarted:
            retried = post(restarted, "/plans", token, body)

        assert retried.status_code == 200, retried.text
        assert len(scan("sandbox_charges")) == charges_before + 1
        [plan] = plans_of(scan, approved.checkout_id)
        assert plan["id"]["S"] == retried.json()["id"]
        assert harness.provider.refunded(charge.id) == 0

    def test_a_charge_nobody_retries_is_given_back_when_the_lease_runs_out(
        self, harness, process, shopper, client, scan
    ):
        """The service dies after charging and nobody retries. Meanwhile another key is
        refused IN_PROGRESS (the dead request's lease holds the checkout). The sweep two
        minutes on settles the lease: the dead request's charge is given back in full, a late
        retry of it answers Conflict, and the checkout can be accepted again (money taken
        once in all). The requests after the crash go to the service in this process, on the
        same tables."""
        sub, token = shopper()
        approved = harness.approved(sub)
        dead = accept_body(approved)
        key = charge_key(sub, dead["idempotencyKey"])
        process.crash_after_charging(key)
        process.start()

        dies(process, token, dead)

        charge = harness.provider.find_charge(idempotency_key=key)
        assert charge is not None
        assert charge.succeeded
        other = accept_body(approved)
        refused = post(client, "/plans", token, other)
        assert (refused.status_code, refused.json()["error"]) == (409, "InvalidState")
        assert refused.json()["details"]["reason"] == "IN_PROGRESS"
        assert (
            harness.provider.find_charge(idempotency_key=charge_key(sub, other["idempotencyKey"]))
            is None
        )

        later = datetime.now(UTC) + timedelta(minutes=2)
        report = sweep(harness.settings, clock=lambda: later).run()

        assert (report.leases_settled, report.charges_given_back) == (1, 1)
        assert harness.provider.refunded(charge.id) == charge.amount.amount == FIRST_PAYMENT
        late = post(client, "/plans", token, dead)
        assert (late.status_code, late.json()["error"]) == (409, "Conflict")
        assert harness.provider.refunded(charge.id) == FIRST_PAYMENT  # not charged again
        accepted = post(client, "/plans", token, other)
        assert accepted.status_code == 200, accepted.text
        assert len(plans_of(scan, approved.checkout_id)) == 1
        taken = harness.provider.find_charge(
            idempotency_key=charge_key(sub, other["idempotencyKey"])
        )
        assert taken is not None
        assert harness.provider.refunded(taken.id) == 0
