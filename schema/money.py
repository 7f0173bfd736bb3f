"""Money on the API: integer minor units and an ISO 4217 currency code."""

from __future__ import annotations

import strawberry

from appsync.directives import aws_cognito_user_pools, aws_iam
from schema.limits import CURRENCIES


@strawberry.type(
    directives=[aws_cognito_user_pools(), aws_iam()],
    description="An amount in minor units (pence, cents) of an ISO 4217 currency.",
)
class Money:
    amount: int = strawberry.field(description="Minor units: 1999 is 19.99 GBP.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. GBP.")


@strawberry.input(description="An amount in minor units of an ISO 4217 currency.")
class MoneyInput:
    amount: int = strawberry.field(description="Minor units, a positive integer.")
    currency: str = strawberry.field(description=f"ISO 4217 code: one of {CURRENCIES}.")
