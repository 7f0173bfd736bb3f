"""The shop's backend calls to the API, signed as the sandbox merchant (SigV4, service
`appsync`). The merchant's keys stay in this process: no browser ever sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from bnpl.graphql_client import sigv4_headers

CHECKOUT_FIELDS = "id merchantReference status redirectUrl amount { amount currency }"
CREATE = (
    "mutation Create($input: CreateCheckoutInput!) "
    f"{{ createCheckout(input: $input) {{ {CHECKOUT_FIELDS} }} }}"
)
READ = f"query Read($id: ID!) {{ checkout(id: $id) {{ {CHECKOUT_FIELDS} }} }}"


class ApiError(Exception):
    """The API refused or failed a call; the message is the API's own."""


@dataclass(frozen=True, kw_only=True)
class CheckoutView:
    """What the shop needs of a checkout."""

    id: str
    merchant_reference: str
    status: str
    redirect_url: str
    amount: int
    currency: str

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> CheckoutView:
        """The checkout of a GraphQL answer."""
        return cls(
            id=str(body["id"]),
            merchant_reference=str(body["merchantReference"]),
            status=str(body["status"]),
            redirect_url=str(body["redirectUrl"]),
            amount=int(body["amount"]["amount"]),
            currency=str(body["amount"]["currency"]),
        )


class MerchantApi(Protocol):
    """What the shop asks of the BNPL API."""

    async def create_checkout(self, checkout: dict[str, Any]) -> CheckoutView:
        """`createCheckout(input)`; the same merchantReference answers the same checkout."""
        ...

    async def checkout(self, checkout_id: str) -> CheckoutView | None:
        """`checkout(id)`, as the merchant sees it; None when it is not this merchant's."""
        ...


class SignedMerchantApi:
    """`MerchantApi` over HTTP to the GraphQL endpoint `url`, SigV4-signed for `region`."""

    def __init__(self, url: str, *, region: str, http: httpx.AsyncClient) -> None:
        self._url = url
        self._region = region
        self._http = http

    async def _call(self, query: str, variables: dict[str, Any], field: str) -> Any:
        body = json.dumps({"query": query, "variables": variables}).encode()
        headers = sigv4_headers(self._url, body, region=self._region)
        try:
            response = await self._http.post(self._url, content=body, headers=headers)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ApiError(f"the BNPL API could not be reached ({type(exc).__name__})") from exc
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors:
            raise ApiError("; ".join(str(error.get("message")) for error in errors))
        if response.status_code != 200:
            raise ApiError(f"the BNPL API answered HTTP {response.status_code}")
        return (answer.get("data") or {}).get(field)

    async def create_checkout(self, checkout: dict[str, Any]) -> CheckoutView:
        """See `MerchantApi.create_checkout`."""
        result = await self._call(CREATE, {"input": checkout}, "createCheckout")
        if result is None:
            raise ApiError("createCheckout answered no checkout")
        return CheckoutView.from_json(result)

    async def checkout(self, checkout_id: str) -> CheckoutView | None:
        """See `MerchantApi.checkout`."""
        result = await self._call(READ, {"id": checkout_id}, "checkout")
        return None if result is None else CheckoutView.from_json(result)
