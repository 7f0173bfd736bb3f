"""How the audit log is stored: its table, and the head every audited item carries.

`Meta.table_name` is the short name; `services.shared.dynamodb.bind` gives the physical table.
The services may put entries and read them, never update or delete them (their IAM policies deny
it; `infra/modules/dynamodb_tables/audit.tf`).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model


class AuditHeadMap(MapAttribute[str, Any]):
    """A stream's head on its subject's item: the last entry's number, hash and expiry (epoch
    seconds). Written with every entry, in the same transaction."""

    sequence = NumberAttribute()
    entry_hash = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


class AuditEntryModel(Model):
    """One entry, keyed by its stream and its number in it (`services.shared.audit.chain`).

    Written only if its key is free, so two writers can never both take a number. `before`,
    `after` and `evidence` hold canonical JSON text; `at` keeps the written time exactly as
    hashed; `expires_at` lets DynamoDB drop the entry once its retention is over.
    """

    class Meta:
        table_name = "audit_log"

    stream = UnicodeAttribute(hash_key=True)
    sequence = NumberAttribute(range_key=True)
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute()
    at = UnicodeAttribute()
    expires_at = TTLAttribute()
    prev_expires_at = NumberAttribute(null=True)
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    request_id = UnicodeAttribute(null=True)
    before = UnicodeAttribute(null=True)
    after = UnicodeAttribute()
    evidence = UnicodeAttribute()


MODELS: tuple[type[Model], ...] = (AuditEntryModel,)
