"""The audit log as underwriters read it: one entry per recorded change, hash-chained."""

from __future__ import annotations

import strawberry

from appsync.scalars import AWSJSON, AWSDateTime


@strawberry.type(
    description=(
        "One recorded change of an application: its decision, or an underwriter's review. "
        "Entries are numbered in order and each carries the previous entry's hash, so a "
        "changed, removed or inserted entry is detected."
    )
)
class AuditEntry:
    sequence: int = strawberry.field(description="The entry's number in its trail, from 1.")
    at: AWSDateTime = strawberry.field(description="When the change was written.")
    actor: str = strawberry.field(
        description="Who made it: a Cognito sub (the shopper, an underwriter), a merchant's IAM "
        "principal, or `system`."
    )
    action: str = strawberry.field(description="`application.decided` or `application.reviewed`.")
    request_id: str | None = strawberry.field(
        description="The API request that made it (x-amzn-RequestId); null if none."
    )
    before: AWSJSON | None = strawberry.field(description="Status and outcome before.")
    after: AWSJSON = strawberry.field(description="Status and outcome after.")
    evidence: AWSJSON = strawberry.field(
        description="What it rested on, by reference: ids, policy and model versions, band, "
        "reason codes, offer ids, the stored decision's SHA-256."
    )
    hash: str = strawberry.field(description="SHA-256 of the entry's canonical JSON, hex.")
    previous_hash: str = strawberry.field(
        description="The previous entry's hash; empty for the first."
    )
