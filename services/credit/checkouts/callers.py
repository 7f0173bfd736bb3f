"""Who a credit-service request acts for: a shopper, or a merchant vouched for by the proxy."""

from __future__ import annotations

from starlette.requests import Request

from services.credit.checkouts.domain import Caller, CustomerCaller, MerchantCaller
from services.shared.auth import ServicePrincipal
from services.shared.errors import Unauthorized
from services.shared.http import principal

# The IAM identity AppSync verified for a merchant's request. Trusted only next to the credit
# proxy's own service token: anyone else sending it is ignored.
CALLER_ARN_HEADER = "x-bnpl-caller-arn"
_MAX_ARN_CHARS = 2048


def caller(request: Request) -> Caller:
    """Who the request acts for: a shopper, or a merchant vouched for by the credit proxy.

    Raises:
        Unauthorized: a service token that does not name a valid IAM caller.
    """
    verified = principal(request)
    if not isinstance(verified, ServicePrincipal):
        return CustomerCaller(sub=verified.sub)
    arn = request.headers.get(CALLER_ARN_HEADER, "")
    if not arn.startswith("arn:") or len(arn) > _MAX_ARN_CHARS:
        raise Unauthorized("A service call must name the IAM caller in X-Bnpl-Caller-Arn")
    return MerchantCaller(arn=arn)
