"""The credit service's use cases for checkouts: create one (idempotently) and read one."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.credit.checkouts.domain import (
    Caller,
    Checkout,
    CheckoutRequest,
    MerchantCaller,
    parse_checkout_request,
)
from services.credit.checkouts.ports import CheckoutRepository, MerchantRepository
from services.credit.checkouts.redirects import check_return_urls
from services.credit.limits import is_id
from services.shared.errors import Conflict, NotFound, Unauthorized
from services.shared.timestamps import utc_now


@dataclass(frozen=True)
class CheckoutCreation:
    """The outcome of a create: the checkout, and whether this call created it."""

    checkout: Checkout
    created: bool


def new_checkout_id() -> str:
    """A fresh, opaque checkout id."""
    return str(uuid.uuid4())


class CheckoutService:
    """Checkouts: merchants create them, merchants and shoppers read them.

    Example:
        >>> service = CheckoutService(checkouts=..., merchants=...)  # doctest: +SKIP
        >>> service.create(caller=MerchantCaller(arn=arn), payload=body).created  # doctest: +SKIP
        True
    """

    def __init__(
        self,
        *,
        checkouts: CheckoutRepository,
        merchants: MerchantRepository,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = new_checkout_id,
        allow_local_http: bool = False,
    ) -> None:
        self._checkouts = checkouts
        # Plain-HTTP return URLs to localhost: the local stack's setting, never AWS's.
        self._allow_local_http = allow_local_http
        self._merchants = merchants
        self._clock = clock
        self._new_id = new_id

    def create(self, *, caller: Caller, payload: Mapping[str, Any]) -> CheckoutCreation:
        """Create a checkout for the caller's merchant, once per `merchantReference`.

        Repeating an identical request returns the first checkout; reusing the reference for a
        different order is a conflict. Racing duplicates yield one checkout: the reference is
        claimed in the same transaction that writes the checkout.

        Raises:
            ValidationError: invalid input, including return URLs outside the merchant's
                allow-list (nothing is written).
            Unauthorized: the caller is not a merchant principal of `merchantId`.
            Conflict: the reference already belongs to a different checkout.
        """
        if not isinstance(caller, MerchantCaller):
            raise Unauthorized("Only merchants may create checkouts")
        request = parse_checkout_request(payload)
        merchant = self._merchants.get(request.merchant_id)
        if merchant is None or not merchant.allows(caller):
            # The same answer for an unknown merchant and someone else's: ids are not revealed.
            raise Unauthorized(
                f"Not allowed to create checkouts for merchant {request.merchant_id}"
            )
        if request.return_urls is not None:
            check_return_urls(
                request.return_urls,
                allowed_prefixes=merchant.redirect_url_prefixes,
                allow_local_http=self._allow_local_http,
            )
        existing = self._checkouts.get_by_reference(request.merchant_id, request.merchant_reference)
        if existing is not None:
            return self._replay(existing, request)
        checkout = Checkout.open(request, checkout_id=self._new_id(), now=self._clock())
        if self._checkouts.add(checkout):
            return CheckoutCreation(checkout, created=True)
        # A concurrent request claimed the reference between our read and our write.
        winner = self._checkouts.get_by_reference(request.merchant_id, request.merchant_reference)
        if winner is None:  # pragma: no cover - a claim is never deleted
            raise Conflict("The merchant reference is being used by another request; retry")
        return self._replay(winner, request)

    @staticmethod
    def _replay(existing: Checkout, request: CheckoutRequest) -> CheckoutCreation:
        if not existing.answers(request):
            raise Conflict(
                f"merchantReference {request.merchant_reference!r} was already used for a "
                "different checkout",
                details={"field": "merchantReference", "checkoutId": existing.id},
            )
        return CheckoutCreation(existing, created=False)

    def get(self, *, caller: Caller, checkout_id: str) -> Checkout:
        """The checkout as the caller may see it (`Checkout.seen_by`): while nobody has
        accepted an offer, a shopper sees their own decision on it, the merchant the most
        advanced one.

        Raises:
            NotFound: it does not exist, or the caller may not see it (indistinguishable); an id
                that cannot be ours is not looked up.
        """
        checkout = self._checkouts.get(checkout_id) if is_id(checkout_id) else None
        if checkout is None:
            raise NotFound("Checkout not found")
        merchant = (
            self._merchants.get(checkout.merchant_id)
            if isinstance(caller, MerchantCaller)
            else None
        )
        seen = checkout.seen_by(caller, merchant)
        if seen is None:
            raise NotFound("Checkout not found")
        return seen
