"""The dev outbox: codes land in a DynamoDB table and one log line instead of a phone.

`bnpl dev` prints the user service's log (so the line shows there) and `bnpl outbox` lists the
table, so a person can walk the verification flow by hand. This is the only place a code is ever
written in clear, and it exists only locally: the table is deliberately not in Terraform, and
deployed environments use `BNPL_MESSAGING=aws`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.shared.timestamps import iso_timestamp, utc_now
from services.user.verification.domain import Channel, destination_hint

logger = logging.getLogger("services.user.outbox")

# A dev table should not grow forever; a day is long enough to look a code up again.
RETENTION = timedelta(days=1)


class OutboxMessageModel(Model):
    """One message the dev outbox "sent", keyed by destination, newest last."""

    class Meta:
        table_name = "dev_outbox"

    destination = UnicodeAttribute(hash_key=True)
    # `<sent at, ISO>#<random>`: sorts by time, and two messages in one millisecond stay apart.
    id = UnicodeAttribute(range_key=True)
    channel = UnicodeAttribute()
    code = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    ttl = TTLAttribute()


# Tables only the local stack has (bnpl/tables.py creates them; Terraform does not).
LOCAL_MODELS: tuple[type[Model], ...] = (OutboxMessageModel,)


@dataclass(frozen=True, kw_only=True)
class OutboxMessage:
    """A message in the dev outbox."""

    channel: str
    destination: str
    code: str
    sent_at: datetime

    def to_json(self) -> dict[str, str]:
        return {
            "channel": self.channel,
            "destination": self.destination,
            "code": self.code,
            "sentAt": iso_timestamp(self.sent_at),
        }


class OutboxSender:
    """A `CodeSender` that keeps the codes in the dev outbox table and logs one line each."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._model = bind(OutboxMessageModel, settings)
        self._clock = clock

    def send(self, channel: Channel, destination: str, code: str, expires_at: datetime) -> None:
        now = self._clock()
        self._model(
            destination,
            f"{iso_timestamp(now)}#{uuid.uuid4().hex[:8]}",
            channel=channel.value,
            code=code,
            sent_at=now,
            ttl=now + RETENTION,
        ).save()
        # The one log line that carries a code: this is the dev outbox, and showing it is its job.
        logger.info(
            "outbox: %s to %s: code %s", channel.value, destination_hint(channel, destination), code
        )


def newest_messages(
    settings: Settings, *, limit: int, destination: str | None = None
) -> list[OutboxMessage]:
    """The newest `limit` messages of the outbox, newest first; only `destination`'s if given."""
    model = bind(OutboxMessageModel, settings)
    if destination is not None:
        items = list(
            model.query(destination, scan_index_forward=False, limit=limit, consistent_read=True)
        )
    else:
        # A dev table that TTL keeps small: a scan and a sort are fine here.
        items = list(model.scan(consistent_read=True))
    items.sort(key=lambda item: item.id, reverse=True)
    return [
        OutboxMessage(
            channel=item.channel,
            destination=item.destination,
            code=item.code,
            sent_at=item.sent_at,
        )
        for item in items[:limit]
    ]
