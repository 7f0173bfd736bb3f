"""Use cases of customer verification: start a challenge (send a code), confirm it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.shared.errors import DependencyFailure, NotFound, ServiceError, ValidationError
from services.shared.ids import ID_MAX_CHARS, is_valid_id
from services.shared.timestamps import utc_now
from services.user.customers.domain import Customer
from services.user.customers.ports import CustomerRepository
from services.user.messaging import CodeSender
from services.user.verification.domain import (
    Challenge,
    Channel,
    RandomSource,
    choose_slot,
    issue,
    opened,
    parse_channel,
    parse_code,
    wrong_code_error,
)
from services.user.verification.ports import ChallengeRepository

logger = logging.getLogger("services.user.verification")

# Racing starts of one customer can take the slot we chose; choosing again settles it, and a
# customer has only five slots to race for.
_CLAIM_ATTEMPTS = 6


class VerificationService:
    """Verification of the signed-in customer's phone or email by a one-time code."""

    def __init__(
        self,
        *,
        customers: CustomerRepository,
        challenges: ChallengeRepository,
        sender: CodeSender,
        clock: Callable[[], datetime] = utc_now,
        random: RandomSource = secrets,
    ) -> None:
        self._customers = customers
        self._challenges = challenges
        self._sender = sender
        self._clock = clock
        self._random = random

    def start(self, *, customer_id: str, payload: Mapping[str, Any]) -> Challenge:
        """Send a new code to the customer's phone (SMS) or email (EMAIL).

        A failed send leaves nothing behind: the challenge is deleted, so no code the customer
        never received can be confirmed, and the attempt does not count against the hourly limit
        (the customer did nothing wrong; the provider's own limits guard against abuse).

        Raises:
            ValidationError: bad channel, or no phone on the profile for SMS.
            NotFound: the customer has not registered.
            RateLimited: five challenges in the last hour already.
            DependencyFailure: the code could not be sent.
        """
        channel = parse_channel(payload)
        customer = self._customers.get(customer_id)
        if customer is None:
            raise NotFound("Customer is not registered")
        destination = _destination(customer, channel)
        challenge, code = self._claim(customer_id, channel, destination)
        try:
            self._sender.send(channel, destination, code, challenge.expires_at)
        except Exception as exc:
            self._challenges.release(challenge)
            if isinstance(exc, ServiceError):
                raise
            logger.exception("sending a verification code failed")
            raise DependencyFailure("The verification code could not be sent; try again") from None
        self._challenges.mark_open(challenge)
        self._challenges.mark_pending(customer.id)
        return opened(challenge)

    def confirm(
        self, *, customer_id: str, challenge_id: str, payload: Mapping[str, Any]
    ) -> Customer:
        """Check a code; the right one, once, makes the customer VERIFIED.

        Raises:
            ValidationError: a malformed code (costs no attempt), or a wrong one (costs one;
                `details.remainingAttempts`).
            NotFound: no such challenge for this customer (or no challenge can have the id).
            ChallengeLocked: five wrong codes (the fifth says so too).
            ChallengeExpired: the code is older than 10 minutes.
            ChallengeUsed: the code was accepted before.
        """
        code = parse_code(payload)
        challenge = self._challenge(customer_id, challenge_id)
        now = self._clock()
        challenge.ensure_confirmable(now)
        if not challenge.matches(code):
            attempts = self._challenges.count_wrong_attempt(challenge, now=now)
            if attempts is None:
                self._explain_lost_race(customer_id, challenge_id, now)
            raise wrong_code_error(attempts or 0)
        if not self._challenges.use(challenge, now=now):
            self._explain_lost_race(customer_id, challenge_id, now)
        customer = self._customers.get(customer_id)
        if customer is None:
            raise NotFound("Customer is not registered")
        return customer

    def _claim(self, customer_id: str, channel: Channel, destination: str) -> tuple[Challenge, str]:
        for _ in range(_CLAIM_ATTEMPTS):
            now = self._clock()
            slot = choose_slot(self._challenges.started(customer_id), now=now)
            challenge, code = issue(
                customer_id=customer_id,
                channel=channel,
                destination=destination,
                slot=slot,
                now=now,
                random=self._random,
            )
            if self._challenges.claim(challenge, now=now):
                return challenge, code
        raise DependencyFailure("Could not start a verification; try again")

    def _challenge(self, customer_id: str, challenge_id: str) -> Challenge:
        if not is_valid_id(challenge_id):
            # Never looked up: no challenge has such an id (and DynamoDB refuses long keys).
            raise NotFound(
                f"Verification challenge not found: challenge ids are 1 to {ID_MAX_CHARS} "
                "characters"
            )
        challenge = self._challenges.get(customer_id, challenge_id)
        if challenge is None:
            raise NotFound("Verification challenge not found")
        return challenge

    def _explain_lost_race(self, customer_id: str, challenge_id: str, now: datetime) -> None:
        # Our conditional write lost: another request used, locked or outlived the challenge
        # after we read it. Read it again and say which.
        self._challenge(customer_id, challenge_id).ensure_confirmable(now)
        if self._customers.get(customer_id) is None:
            raise NotFound("Customer is not registered")
        raise DependencyFailure("The verification could not be recorded; try again")


def _destination(customer: Customer, channel: Channel) -> str:
    if channel is Channel.SMS:
        if not customer.phone:
            raise ValidationError(
                "Add a phone number to the profile before verifying by SMS", field="channel"
            )
        return customer.phone
    if not customer.email:
        raise ValidationError("The profile has no email address to verify", field="channel")
    return customer.email
