"""Where verification challenges are kept: DynamoDB behind the port (`ports`).

Every change that a race could get wrong is one conditional write: claiming a rate-limit slot,
counting a wrong attempt, and using a code (together with the customer's VERIFIED status, in one
transaction, so a used code always means a verified customer).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from services.shared.dynamodb import bind, connection
from services.shared.errors import DependencyFailure
from services.shared.settings import Settings
from services.user.customers.domain import VerificationStatus
from services.user.models import CustomerModel, VerificationChallengeModel
from services.user.verification.domain import (
    MAX_ATTEMPTS,
    RATE_WINDOW,
    Challenge,
    ChallengeStatus,
    Channel,
)

logger = logging.getLogger("services.user.verification")

_CONDITION_FAILED = "ConditionalCheckFailedException"
_TRANSACTION_ATTEMPTS = 5


class DynamoChallengeRepository:
    """Challenges in the `verification_challenges` table: one item per (customer, slot)."""

    def __init__(self, settings: Settings) -> None:
        self._model = bind(VerificationChallengeModel, settings)
        self._customers = bind(CustomerModel, settings)
        self._connection = connection(settings)

    def started(self, customer_id: str) -> dict[int, datetime]:
        items = self._model.query(customer_id, consistent_read=True)
        return {int(item.slot): item.created_at for item in items}

    def claim(self, challenge: Challenge, *, now: datetime) -> bool:
        model = self._model
        item = _to_item(model, challenge)
        try:
            # The slot is ours only if it is empty or its challenge stopped counting: two starts
            # racing for one slot cannot both write.
            item.save(
                condition=model.customer_id.does_not_exist()
                | (model.created_at <= now - RATE_WINDOW)
            )
        except PutError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return False
            raise
        return True

    def mark_open(self, challenge: Challenge) -> None:
        model = self._model
        item = model(challenge.customer_id, challenge.slot)
        item.update(
            actions=[model.status.set(ChallengeStatus.OPEN.value)],
            condition=(model.challenge_id == challenge.id)
            & (model.status == ChallengeStatus.SENDING.value),
        )

    def release(self, challenge: Challenge) -> None:
        model = self._model
        try:
            model(challenge.customer_id, challenge.slot).delete(
                condition=model.challenge_id == challenge.id
            )
        except DeleteError as exc:
            # Already gone or replaced: either way this challenge is unusable.
            if exc.cause_response_code != _CONDITION_FAILED:
                raise

    def get(self, customer_id: str, challenge_id: str) -> Challenge | None:
        # A customer has at most five items: reading them all is one small query, and scoping
        # it by customer means another customer's challenge id finds nothing.
        for item in self._model.query(customer_id, consistent_read=True):
            if item.challenge_id == challenge_id:
                return _to_domain(item)
        return None

    def count_wrong_attempt(self, challenge: Challenge, *, now: datetime) -> int | None:
        model = self._model
        item = model(challenge.customer_id, challenge.slot)
        try:
            item.update(
                actions=[model.attempts.add(1)],
                condition=_confirmable(model, challenge, now),
            )
        except UpdateError as exc:
            if exc.cause_response_code == _CONDITION_FAILED:
                return None
            raise
        return int(item.attempts)

    def use(self, challenge: Challenge, *, now: datetime) -> bool:
        for attempt in range(_TRANSACTION_ATTEMPTS):
            outcome = self._use_once(challenge, now=now)
            if outcome is not None:
                return outcome
            # DynamoDB cancels transactions that touch an item another transaction is writing
            # (TransactionConflict): try again, and the condition decides once the other is done.
            time.sleep(0.02 * (attempt + 1))
        raise DependencyFailure("The verification could not be recorded; try again")

    def _use_once(self, challenge: Challenge, *, now: datetime) -> bool | None:
        model, customers = self._model, self._customers
        try:
            with TransactWrite(connection=self._connection) as transaction:
                transaction.update(
                    model(challenge.customer_id, challenge.slot),
                    actions=[model.status.set(ChallengeStatus.USED.value)],
                    condition=_confirmable(model, challenge, now),
                )
                # Idempotent: VERIFIED again is VERIFIED.
                transaction.update(
                    customers(challenge.customer_id),
                    actions=[customers.verification_status.set(VerificationStatus.VERIFIED.value)],
                    condition=customers.id.exists(),
                )
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                reasons = {r.code for r in exc.cancellation_reasons if r is not None}
                # A transaction names a failed condition without the "Exception" suffix.
                if "ConditionalCheckFailed" in reasons:
                    return False
                if "TransactionConflict" in reasons:
                    return None
            logger.warning("verification transaction failed: %s", exc.cause_response_code)
            raise DependencyFailure("The data store is unavailable; try again") from None
        return True

    def mark_pending(self, customer_id: str) -> None:
        customers = self._customers
        try:
            customers(customer_id).update(
                actions=[customers.verification_status.set(VerificationStatus.PENDING.value)],
                condition=customers.verification_status == VerificationStatus.UNVERIFIED.value,
            )
        except UpdateError as exc:
            if exc.cause_response_code != _CONDITION_FAILED:
                raise


def _confirmable(
    model: type[VerificationChallengeModel], challenge: Challenge, now: datetime
) -> Condition:
    # The same rules as Challenge.ensure_confirmable, checked by DynamoDB at the moment of the
    # write: of racing confirmations, only those that find the challenge still open count.
    condition: Condition = (
        (model.challenge_id == challenge.id)
        & (model.status == ChallengeStatus.OPEN.value)
        & (model.attempts < MAX_ATTEMPTS)
        & (model.expires_at > now)
    )
    return condition


def _to_item(
    model: type[VerificationChallengeModel], challenge: Challenge
) -> VerificationChallengeModel:
    return model(
        challenge.customer_id,
        challenge.slot,
        challenge_id=challenge.id,
        channel=challenge.channel.value,
        destination_hint=challenge.destination_hint,
        salt=challenge.salt.hex(),
        code_hash=challenge.code_hash.hex(),
        status=challenge.status.value,
        attempts=challenge.attempts,
        created_at=challenge.created_at,
        expires_at=challenge.expires_at,
        ttl=challenge.retain_until,
    )


def _to_domain(item: VerificationChallengeModel) -> Challenge:
    return Challenge(
        id=item.challenge_id,
        customer_id=item.customer_id,
        slot=int(item.slot),
        channel=Channel(item.channel),
        destination_hint=item.destination_hint,
        salt=bytes.fromhex(item.salt),
        code_hash=bytes.fromhex(item.code_hash),
        status=ChallengeStatus(item.status),
        attempts=int(item.attempts),
        created_at=item.created_at,
        expires_at=item.expires_at,
    )
