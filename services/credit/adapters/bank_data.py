"""The customer's bank data, read from the user service under one of their consents.

The credit service never holds bank credentials or consents: it asks the user service
(`GET /customers/me/bank-consents/{id}/data`) with the customer's own token, forwarded as given,
so the user service alone decides whether the consent allows the read. Resources are OBIE-shaped
with amounts in integer minor units (see the user service's OpenAPI, schema `BankData`).

Two clients share the request and the reading of the answer: `BankDataClient` for synchronous
code (the use cases run in a thread pool) and `AsyncBankDataClient` for code on the event loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote

import httpx

from services.shared.errors import DependencyFailure, InternalError, error_class
from services.shared.timestamps import iso_timestamp

logger = logging.getLogger(__name__)


class Amount(TypedDict):
    Amount: int  # minor units, never negative; the direction is CreditDebitIndicator
    Currency: str


class Account(TypedDict):
    AccountId: str
    Currency: str
    Nickname: str
    AccountType: NotRequired[str]
    AccountSubType: NotRequired[str]
    OpeningDate: NotRequired[str]
    Account: NotRequired[list[dict[str, Any]]]


class Balance(TypedDict):
    AccountId: str
    Amount: Amount
    CreditDebitIndicator: str  # Credit | Debit
    Type: str
    DateTime: str
    CreditLine: NotRequired[list[dict[str, Any]]]


class Transaction(TypedDict):
    AccountId: str
    TransactionId: str
    Amount: Amount
    CreditDebitIndicator: str  # Credit | Debit
    Status: str
    BookingDateTime: str
    ValueDateTime: NotRequired[str]
    ProprietaryBankTransactionCode: NotRequired[dict[str, str]]
    TransactionInformation: NotRequired[str]
    MerchantDetails: NotRequired[dict[str, Any]]
    SupplementaryData: NotRequired[dict[str, Any]]


@dataclass(frozen=True)
class BankData:
    """What one consent let us read; None for a resource the consent does not cover."""

    consent_id: str
    accounts: list[Account] | None
    balances: list[Balance] | None
    transactions: list[Transaction] | None


@dataclass(frozen=True)
class _Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


def _request(
    authorization: str, consent_id: str, from_: datetime | None, to: datetime | None
) -> _Request:
    params = {}
    if from_ is not None:
        params["fromBookingDateTime"] = iso_timestamp(from_)
    if to is not None:
        params["toBookingDateTime"] = iso_timestamp(to)
    return _Request(
        path=f"/customers/me/bank-consents/{quote(consent_id, safe='')}/data",
        params=params,
        # The customer's token, exactly as it reached us: the user service verifies it again.
        headers={"accept": "application/json", "x-forwarded-authorization": authorization},
    )


def _result(response: httpx.Response) -> BankData:
    """The bank data of a 200, else the user service's error as our error class.

    Errors of the caller's making (4xx: NotFound, InvalidState, ValidationError, ...) keep their
    code; a failing user service (5xx, or an answer we cannot read) is a DependencyFailure.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict):
        return _bank_data(body)
    if 400 <= response.status_code < 500 and isinstance(body, dict):
        code = body.get("error")
        message = body.get("message")
        details = body.get("details")
        if isinstance(code, str):
            error = error_class(code)
            if error is not InternalError:
                raise error(
                    message if isinstance(message, str) else code,
                    details=details if isinstance(details, dict) else None,
                )
    logger.warning("user service answered bank data with HTTP %d", response.status_code)
    raise DependencyFailure(f"The user service answered HTTP {response.status_code}")


def _bank_data(body: dict[str, Any]) -> BankData:
    def listed(name: str) -> Any:
        value = body.get(name)
        if value is not None and not isinstance(value, list):
            raise DependencyFailure(f"The user service sent bank data whose {name} is no list")
        return value

    consent_id = body.get("consentId")
    if not isinstance(consent_id, str):
        raise DependencyFailure("The user service sent bank data without a consentId")
    return BankData(
        consent_id=consent_id,
        accounts=listed("accounts"),
        balances=listed("balances"),
        transactions=listed("transactions"),
    )


class BankDataClient:
    """Reads bank data from the user service (synchronous).

    Args:
        base_url: the user service (`Settings.user_service_url`).
        http: a client with timeouts set (e.g. `httpx.Client(timeout=settings.http_timeout_s)`).
    """

    def __init__(self, *, base_url: str, http: httpx.Client) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = http

    def bank_data(
        self,
        *,
        authorization: str,
        consent_id: str,
        from_: datetime | None = None,
        to: datetime | None = None,
    ) -> BankData:
        """The customer's bank data under `consent_id`.

        Args:
            authorization: the customer's `Authorization` value, forwarded unchanged.
            from_, to: the transactions' booking window; the user service's default (the last
                12 months) when left out.

        Raises:
            NotFound: the customer has no such consent.
            InvalidState: the consent is not AUTHORISED, has expired or awaits reconfirmation.
            UnauthorizedException: the token was refused.
            DependencyFailure: the user service failed, timed out or could not be reached.
        """
        request = _request(authorization, consent_id, from_, to)
        try:
            response = self._http.get(
                f"{self._base_url}{request.path}", params=request.params, headers=request.headers
            )
        except httpx.TransportError as exc:  # connection failures and timeouts
            logger.warning("reading bank data failed: %r", exc)
            raise DependencyFailure("The user service is unavailable") from None
        return _result(response)


class AsyncBankDataClient:
    """Reads bank data from the user service (on the event loop); as `BankDataClient`."""

    def __init__(self, *, base_url: str, http: httpx.AsyncClient) -> None:
        self._base_url = base_url.rstrip("/")
        self._http = http

    async def bank_data(
        self,
        *,
        authorization: str,
        consent_id: str,
        from_: datetime | None = None,
        to: datetime | None = None,
    ) -> BankData:
        """As `BankDataClient.bank_data`."""
        request = _request(authorization, consent_id, from_, to)
        try:
            response = await self._http.get(
                f"{self._base_url}{request.path}", params=request.params, headers=request.headers
            )
        except httpx.TransportError as exc:
            logger.warning("reading bank data failed: %r", exc)
            raise DependencyFailure("The user service is unavailable") from None
        return _result(response)
