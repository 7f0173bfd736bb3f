"""Customer verification: a one-time code sent to the customer's phone or email."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSDateTime


@strawberry.enum(description="Where a verification code is sent.")
class VerificationChannel(Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"


@strawberry.type(description="A verification code on its way; confirm it before it expires.")
class VerificationChallenge:
    challenge_id: strawberry.ID
    channel: VerificationChannel
    destination_hint: str = strawberry.field(
        description="The phone or email the code went to, masked, e.g. +44•••••••123."
    )
    expires_at: AWSDateTime
