"""Every charge and refund the card network is asked for, counted: how much money moves, and how
often the network says no or cannot be reached.

The count is taken at the port, around whichever `PaymentProvider` the composition root chose,
so the first payment, instalments, payoffs, the merchant's refunds, the give-backs of requests
that could not be recorded and the sweep's owed refunds are all counted the same way, and none of
them had to learn about metrics. A request answered again for its idempotency key never reaches
the network, so it is not counted twice.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from services.credit.payments.provider import Charge, PaymentProvider, Refund
from services.shared.errors import ServiceError
from services.shared.metrics import MetricsSink, count
from services.shared.money import Money

T = TypeVar("T")

SUCCEEDED, DECLINED, FAILED = "succeeded", "declined", "failed"


def movement(metrics: MetricsSink, operation: str, outcome: str) -> None:
    """One money movement (`charge`, `refund`, `capture`, `void`) and how it ended: `succeeded`;
    `declined` (the card network or the rules said no: the customer's or caller's to fix);
    `failed` (it could not be made: a dependency down, or a fault of ours)."""
    metrics.emit(
        count("MoneyMovements"),
        count("MoneyMovementDeclines", 1 if outcome == DECLINED else 0),
        count("MoneyMovementFailures", 1 if outcome == FAILED else 0),
        operation=operation,
    )


def outcome_of(error: BaseException) -> str:
    """`declined` for a refusal the caller could act on (a 4xx), else `failed`."""
    return DECLINED if isinstance(error, ServiceError) and error.status < 500 else FAILED


class MeteredPaymentProvider:
    """A `PaymentProvider` that counts each charge and refund of the one it wraps."""

    def __init__(self, provider: PaymentProvider, metrics: MetricsSink) -> None:
        self._provider = provider
        self._metrics = metrics

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        charge = self._counted(
            "charge",
            lambda: self._provider.charge(
                token=token, amount=amount, idempotency_key=idempotency_key
            ),
        )
        movement(self._metrics, "charge", SUCCEEDED if charge.succeeded else DECLINED)
        return charge

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        return self._provider.find_charge(idempotency_key=idempotency_key)

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        refund = self._counted(
            "refund",
            lambda: self._provider.refund(
                charge_id=charge_id, amount=amount, idempotency_key=idempotency_key
            ),
        )
        movement(self._metrics, "refund", SUCCEEDED)
        return refund

    def _counted(self, operation: str, call: Callable[[], T]) -> T:
        """`call()`, counting the movement it was if it raised."""
        try:
            return call()
        except Exception as exc:
            movement(self._metrics, operation, outcome_of(exc))
            raise
