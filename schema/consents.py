"""Open-banking consents: what a customer lets us read from their bank (user service)."""

from __future__ import annotations

from enum import Enum

import strawberry

from appsync.scalars import AWSDateTime


@strawberry.enum(description="Where an account-access consent is in its (OBIE) lifecycle.")
class ConsentStatus(Enum):
    AWAITING_AUTHORISATION = "AWAITING_AUTHORISATION"
    AUTHORISED = "AUTHORISED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


@strawberry.type(description="An open-banking account-information consent of the customer.")
class BankConsent:
    id: strawberry.ID
    status: ConsentStatus
    permissions: list[str] = strawberry.field(description="OBIE permissions, e.g. ReadBalances.")
    expires_at: AWSDateTime | None
    created_at: AWSDateTime
    status_updated_at: AWSDateTime | None
    authorised_at: AWSDateTime | None
    reconfirm_by: AWSDateTime | None = strawberry.field(
        description="AUTHORISED only: the customer must reconfirm by then (UK 90-day rule)."
    )


@strawberry.input(description="An open-banking consent to grant.")
class GrantBankConsentInput:
    permissions: list[str] = strawberry.field(
        description=(
            "At least one OBIE permission: ReadAccountsBasic, ReadAccountsDetail, ReadBalances, "
            "ReadTransactionsBasic, ReadTransactionsCredits, ReadTransactionsDebits, "
            "ReadTransactionsDetail. Transactions need Basic or Detail with Credits and/or "
            "Debits."
        )
    )
    expires_at: AWSDateTime | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            "When access ends: in the future, at most what the bank allows (365 days ahead at "
            "the sandbox bank); 90 days from now by default."
        ),
    )
