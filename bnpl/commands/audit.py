"""`bnpl audit verify`: is the audit log still what was written?

Reads every entry of the audit table and the head every audited item keeps (applications,
plans, bank consents, webhook endpoints), checks each stream's chain
(`services.shared.audit.chain.verify_stream`) and prints the first break of each broken stream:
an entry altered, missing or inserted, or a stream whose latest entry is not the one its subject
remembers. By default it reads the local stack's tables; `--endpoint` and `--table-prefix` name
others (AWS's regional endpoint works, with the caller's AWS credentials).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import PynamoDBException
from pynamodb.models import Model

from bnpl.commands import local_environment, table_environ, table_settings
from services.credit.models import ApplicationModel, PlanModel
from services.credit.webhooks.models import WebhookEndpointModel
from services.shared.audit.chain import Break, Head, Subject, stream_of, verify_stream
from services.shared.audit.store import AuditLog, head_of
from services.shared.dynamodb import bind
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.models import BankConsentModel

# Each audited item, and the attributes its stream is named by (`chain.stream_of`).
SUBJECTS: tuple[tuple[Subject, type[Model], tuple[str, ...]], ...] = (
    (Subject.APPLICATION, ApplicationModel, ("id",)),
    (Subject.PLAN, PlanModel, ("id",)),
    (Subject.CONSENT, BankConsentModel, ("customer_id", "id")),
    (Subject.WEBHOOK_ENDPOINT, WebhookEndpointModel, ("id",)),
)


@dataclass(frozen=True)
class Report:
    """What one verification read and found."""

    streams: int
    entries: int
    breaks: tuple[Break, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "streams": self.streams,
            "entries": self.entries,
            "intact": not self.breaks,
            "breaks": [
                {
                    "stream": b.stream,
                    "sequence": b.sequence,
                    "kind": b.kind.value,
                    "detail": b.detail,
                }
                for b in self.breaks
            ],
        }


def heads(settings: Settings) -> dict[str, Head]:
    """The head every audited item keeps, by stream."""
    found: dict[str, Head] = {}
    for subject, model, keys in SUBJECTS:
        table = bind(model, settings)
        head_attribute = table.get_attributes()["audit_head"]
        items = table.scan(
            head_attribute.exists(),
            attributes_to_get=[*keys, "audit_head"],
            consistent_read=True,
        )
        for item in items:
            found[stream_of(subject, *(str(getattr(item, key)) for key in keys))] = head_of(item)
    return found


def verify(settings: Settings, *, now: datetime) -> Report:
    """Check every stream of the audit table, and every stream an item names."""
    streams = AuditLog(settings).streams()
    known = heads(settings)
    breaks = []
    for name in sorted(set(streams) | set(known)):
        found = verify_stream(name, streams.get(name, []), known.get(name), now=now)
        if found is not None:
            breaks.append(found)
    entries = sum(len(entries) for entries in streams.values())
    return Report(streams=len(set(streams) | set(known)), entries=entries, breaks=tuple(breaks))


def run(*, endpoint: str | None, table_prefix: str | None, as_json: bool) -> int:
    """Verify the audit log and print what was found.

    Returns:
        0 when every stream is intact; 1 on a break, or when the tables cannot be read.
    """
    environ = table_environ(endpoint, table_prefix)
    settings = table_settings(environ)
    try:
        with local_environment(environ):
            report = verify(settings, now=utc_now())
    except PynamoDBException as exc:
        sys.stderr.write(
            f"bnpl audit: cannot read the audit log {settings.table_name('audit_log')} at "
            f"{settings.dynamodb_endpoint or 'AWS'} ({exc.msg}); is `bnpl dev` up?\n"
        )
        return 1
    if as_json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        for found in report.breaks:
            sys.stdout.write(f"BROKEN {found}\n")
        verdict = f"{len(report.breaks)} broken" if report.breaks else "all intact"
        sys.stdout.write(
            f"audit log: {report.entries} entries in {report.streams} streams verified, {verdict}\n"
        )
    return 1 if report.breaks else 0
