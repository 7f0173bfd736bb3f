"""The sandbox card network, kept in DynamoDB so every process shares what it remembers.

A card network remembers every idempotency key it was charged under. Kept in process memory, a
retry after the credit service died between charging and writing the plan would charge again,
and the `bnpl jobs run` sweep could not refund what the service charged. Here the charges and
refunds live in two tables, with the same rules as the in-memory sandbox (`payments.py`):

- `sandbox_charges`, keyed by the charge id, which is a function of our key (`charge_id_for`), so
  `find_charge` is one read. A charge is written only if absent; a request that loses the race
  reads the winner and gets it back if it asked the same (a one-way fingerprint of token, amount
  and currency: the token is never stored).
- `sandbox_refunds`, keyed by the refund's key. A refund is one transaction: its record (only if
  absent) and `refunded += amount` on the charge, only while the charge stays succeeded and the
  total stays within it, so refunds racing on one charge can never give back more than it took.

These tables exist only locally (`bnpl/tables.py` creates them; Terraform does not): the sandbox
plays the card network's part, and deployed environments would talk to a real one.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from services.credit.models import SandboxChargeModel, SandboxRefundModel
from services.credit.payments.provider import (
    Charge,
    ChargeStatus,
    Refund,
    charge_fingerprint,
    charge_id_for,
    check_key,
    check_refundable,
    check_request,
    refund_fingerprint,
    refund_id_for,
    sandbox_charge,
)
from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure, IdempotencyKeyReused, NotFound
from services.shared.money import Money
from services.shared.settings import Settings
from services.shared.timestamps import utc_now

logger = logging.getLogger(__name__)

# Refunds racing on one charge conflict in DynamoDB; each try re-reads, so a few are enough.
REFUND_ATTEMPTS = 8
CONFLICT_BACKOFF_S = 0.02
MAX_CHARGE_ID_LENGTH = 255


class DynamoSandboxPaymentProvider:
    """The sandbox card network on DynamoDB (see the module docstring); a `PaymentProvider`."""

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._charges = bind(SandboxChargeModel, settings)
        self._refunds = bind(SandboxRefundModel, settings)
        self._sleep = sleep
        self._connection = connection(settings)

    def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        """Charge a test card. Failed charges are remembered too: a retry fails the same way.

        Raises:
            ValidationError: an unknown token, a bad key or a non-positive amount.
            IdempotencyKeyReused: the key was used before for another token or amount.
            DependencyFailure: the network's storage did not answer; retry with the same key.
        """
        began = time.perf_counter()
        charge = self._charge(token=token, amount=amount, idempotency_key=idempotency_key)
        logger.info(
            "card network: charge %s %s",
            charge.id,
            charge.status.value,
            extra={
                "hop": "card-network",
                "duration_ms": round((time.perf_counter() - began) * 1000, 1),
                "amount": charge.amount.amount,
                "currency": charge.amount.currency,
            },
        )
        return charge

    def _charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        charge = sandbox_charge(token, amount, idempotency_key)
        fingerprint = charge_fingerprint(token, amount)
        item = self._charges(
            charge.id,
            fingerprint=fingerprint,
            status=charge.status.value,
            amount=charge.amount.amount,
            currency=charge.amount.currency,
            brand=charge.brand,
            last4=charge.last4,
            failure_code=charge.failure_code,
            refunded=0,
            created_at=utc_now(),
        )
        try:
            item.save(condition=self._charges.id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise _unavailable("charge", exc) from exc
            # The key was charged before (or by a request racing this one): the same request
            # gets that charge back, any other is refused.
            stored = self._get_charge(charge.id)
            if stored is None:  # charges are never deleted: the storage misbehaved
                raise _unavailable("charge", exc) from exc
            if stored.fingerprint != fingerprint:
                raise IdempotencyKeyReused("the key was used for a different charge") from exc
            return _charge(stored)
        return charge

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        """The charge made under `idempotency_key`, or None (one strongly consistent read).

        Raises:
            ValidationError: a key no request could have used.
            DependencyFailure: the network's storage did not answer.
        """
        check_key(idempotency_key)
        stored = self._get_charge(charge_id_for(idempotency_key))
        return _charge(stored) if stored else None

    def refunded(self, charge_id: str) -> int:
        """Minor units refunded so far against `charge_id` (0 for an unknown charge)."""
        stored = self._get_charge(charge_id) if _plausible(charge_id) else None
        return int(stored.refunded) if stored else 0

    def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> Refund:
        """Refund part or all of a succeeded charge, never more than it took in all.

        Each try reads the refund record and the charge (to answer a replay or refuse what
        cannot succeed), then writes both in one transaction whose conditions hold the rules
        against racing refunds; when they cancel it, the next try's reads say why.

        Raises:
            NotFound: no such charge.
            InvalidState: the charge failed, so there is nothing to give back.
            ValidationError: a bad key or amount, another currency, or more than is left.
            IdempotencyKeyReused: the key was used before for another charge or amount.
            DependencyFailure: the network's storage did not answer, or stayed contended.
        """
        check_request(amount, idempotency_key)
        fingerprint = refund_fingerprint(charge_id, amount)
        for attempt in range(REFUND_ATTEMPTS):
            existing = self._get_refund(idempotency_key)
            if existing is not None:
                if existing.fingerprint != fingerprint:
                    raise IdempotencyKeyReused("the key was used for a different refund")
                return _refund(existing)
            stored = self._get_charge(charge_id) if _plausible(charge_id) else None
            if stored is None:
                raise NotFound("no such charge")
            check_refundable(_charge(stored), refunded=int(stored.refunded), amount=amount)
            refund = Refund(id=refund_id_for(idempotency_key), charge_id=charge_id, amount=amount)
            codes = self._write_refund(refund, idempotency_key, fingerprint, int(stored.amount))
            if codes is None:
                return refund
            if "TransactionConflict" in codes:
                # Jittered, growing backoff so racing refunds stop colliding.
                self._sleep(CONFLICT_BACKOFF_S * (attempt + 1) * (1 + random.random()))  # noqa: S311
            # Otherwise a condition failed: the next reads say which (a replay, or too much).
        logger.warning("refund of %s stayed contended after %d tries", charge_id, REFUND_ATTEMPTS)
        raise DependencyFailure("The card network is busy; retry the refund with the same key")

    def _write_refund(
        self, refund: Refund, idempotency_key: str, fingerprint: str, charge_amount: int
    ) -> list[str | None] | None:
        """Record the refund and count it on its charge, atomically.

        Returns:
            None once written; the cancellation reasons' codes if the transaction was cancelled.
        """
        charges, refunds = self._charges, self._refunds
        record = refunds(
            idempotency_key,
            fingerprint=fingerprint,
            refund_id=refund.id,
            charge_id=refund.charge_id,
            amount=refund.amount.amount,
            currency=refund.amount.currency,
            created_at=utc_now(),
        )
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.save(record, condition=refunds.idempotency_key.does_not_exist())
                transaction.update(
                    charges(refund.charge_id),
                    actions=[charges.refunded.add(refund.amount.amount)],
                    # DynamoDB conditions have no arithmetic: the charge's amount never
                    # changes, so its limit is worked out from the one we read.
                    condition=(charges.status == ChargeStatus.SUCCEEDED.value)
                    & (charges.currency == refund.amount.currency)
                    & (charges.refunded <= charge_amount - refund.amount.amount),
                )
        except TransactWriteError as exc:
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                return codes
            raise _unavailable("refund", exc) from exc
        return None

    def _get_charge(self, charge_id: str) -> SandboxChargeModel | None:
        try:
            return self._charges.get(charge_id, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise _unavailable("charge", exc) from exc

    def _get_refund(self, idempotency_key: str) -> SandboxRefundModel | None:
        try:
            return self._refunds.get(idempotency_key, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as exc:
            raise _unavailable("refund", exc) from exc


def _plausible(charge_id: str) -> bool:
    """Whether `charge_id` could name a charge at all (DynamoDB refuses empty or huge keys)."""
    return 0 < len(charge_id) <= MAX_CHARGE_ID_LENGTH


def _charge(item: SandboxChargeModel) -> Charge:
    return Charge(
        id=item.id,
        status=ChargeStatus(item.status),
        amount=Money(int(item.amount), item.currency),
        brand=item.brand,
        last4=item.last4,
        failure_code=item.failure_code,
    )


def _refund(item: SandboxRefundModel) -> Refund:
    return Refund(
        id=item.refund_id,
        charge_id=item.charge_id,
        amount=Money(int(item.amount), item.currency),
    )


def _unavailable(what: str, exc: PynamoDBException) -> DependencyFailure:
    logger.warning("sandbox %s storage failed: %s", what, exc.cause_response_code)
    return DependencyFailure("The card network did not answer; retry with the same key")
