"""How verification codes reach the customer: one interface, an adapter per provider.

`outbox` (the local default) writes codes to a dev table and the log; `aws` sends SMS through
AWS End User Messaging and email through SES. `BNPL_MESSAGING` chooses (`services.user.app`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol

from services.user.verification.domain import Channel


class CodeSender(Protocol):
    """Delivers one verification code."""

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        """Hand the code to the provider for `destination` (an E.164 phone or an email).

        Raises:
            DependencyFailure: the provider refused it or could not be reached; the code was not
                sent. Neither the code nor the destination in clear appears in the error or logs.
        """
        ...


def message_text(code: str, *, expires_at: datetime, now: datetime) -> str:
    """What the customer reads: the code and how long it lasts. Never logged."""
    minutes = max(math.ceil((expires_at - now).total_seconds() / 60), 1)
    return (
        f"Your BNPL verification code is {code}. It expires in {minutes} minutes. "
        "Never share it: we will not ask you for it."
    )
