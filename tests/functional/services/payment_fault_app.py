"""A test-only credit service whose card network kills the process right after charging.

`uvicorn --factory tests.functional.services.payment_fault_app:create_app` builds the real
credit app (`services.credit.app.create_app`, settings from the environment) with the durable
sandbox card network wrapped: after a charge under a provider key listed in the file named by
`BNPL_TEST_CRASH_FILE` (one key a line), the process dies on the spot (`os._exit(1)`), as if the
machine went away between charging and writing the plan. Used by `test_payment_faults.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from services.credit import app as credit_app
from services.credit.payments.provider import Charge, Refund
from services.credit.payments.sandbox import DynamoSandboxPaymentProvider
from services.credit.wiring import plan_service
from services.shared.money import Money
from services.shared.settings import Settings

CRASH_FILE_ENV = "BNPL_TEST_CRASH_FILE"


class CrashAfterCharging:
    """The durable sandbox card network; dies after charging a key listed in `switch`."""

    def __init__(self, real: DynamoSandboxPaymentProvider, switch: Path) -> None:
        self._real = real
        self._switch = switch

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        charge = self._real.charge(token=token, amount=amount, idempotency_key=idempotency_key)
        if self._switch.exists() and idempotency_key in self._switch.read_text().split():
            os._exit(1)  # the charge is made; nothing after it happens
        return charge

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        return self._real.find_charge(idempotency_key=idempotency_key)

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        return self._real.refund(
            charge_id=charge_id, amount=amount, idempotency_key=idempotency_key
        )


def create_app() -> Starlette:
    """The credit app, from the environment, with the crashing card network for plans."""
    settings = Settings.from_environ()
    provider = CrashAfterCharging(
        DynamoSandboxPaymentProvider(settings), Path(os.environ[CRASH_FILE_ENV])
    )
    return credit_app.create_app(settings, plans=plan_service(settings, provider=provider))
