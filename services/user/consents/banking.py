"""A customer's bank data as an account-information API gives it, and what a consent lets us see.

Resources are shaped like OBIE v3 account, balance and transaction resources (PascalCase keys)
with one deliberate difference: amounts are integer minor units (`{"Amount": 123456, "Currency":
"GBP"}`), never OBIE's decimal strings, as everywhere on this platform. A production adapter
converts the bank's strings to minor units at the edge.

Pure: no web, storage or AWS. `BankGateway` is what the sandbox bank implements locally and an
OBIE (or aggregator) adapter would implement in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from services.shared.timestamps import iso_timestamp
from services.user.consents.domain import BankConsent, Permission

# How far back a bank-data read goes when the caller names no window (credit.md §6.1: cash-flow
# features use 3 to 12 months).
DEFAULT_HISTORY = timedelta(days=366)


def _money(minor_units: int, currency: str) -> dict[str, Any]:
    # OBIE amounts are unsigned; the direction is CreditDebitIndicator.
    return {"Amount": abs(minor_units), "Currency": currency}


def _indicator(minor_units: int) -> str:
    return "Credit" if minor_units >= 0 else "Debit"


@dataclass(frozen=True, kw_only=True)
class Account:
    """A payment account (OBIE `OBAccount6`)."""

    account_id: str
    currency: str
    nickname: str
    account_sub_type: str  # CurrentAccount, Savings
    opening_date: date
    holder_name: str
    sort_code_account_number: str

    def to_json(self, *, detail: bool) -> dict[str, Any]:
        """Basic: the account's identity; Detail adds its scheme identification and holder."""
        body: dict[str, Any] = {
            "AccountId": self.account_id,
            "Currency": self.currency,
            "Nickname": self.nickname,
            "AccountType": "Personal",
            "AccountSubType": self.account_sub_type,
            "OpeningDate": self.opening_date.isoformat(),
        }
        if detail:
            body["Account"] = [
                {
                    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                    "Identification": self.sort_code_account_number,
                    "Name": self.holder_name,
                }
            ]
        return body


@dataclass(frozen=True, kw_only=True)
class Balance:
    """An account's balance at a moment (OBIE `OBReadBalance1`); `amount` is signed minor units."""

    account_id: str
    amount: int
    currency: str
    type: str  # InterimBooked, InterimAvailable
    at: datetime
    credit_line: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "AccountId": self.account_id,
            "Amount": _money(self.amount, self.currency),
            "CreditDebitIndicator": _indicator(self.amount),
            "Type": self.type,
            "DateTime": iso_timestamp(self.at),
        }
        if self.credit_line is not None:
            body["CreditLine"] = [
                {
                    "Included": self.type == "InterimAvailable",
                    "Type": "Pre-Agreed",
                    "Amount": _money(self.credit_line, self.currency),
                }
            ]
        return body


@dataclass(frozen=True, kw_only=True)
class Transaction:
    """A booked transaction (OBIE `OBTransaction6`); `amount` is signed: credits are positive.

    Attributes:
        code: the bank's proprietary code (UK statement codes: BGC, DD, SO, FPI, FPO, DEB, CHG).
        category: the bank's (or aggregator's) categorisation, in `SupplementaryData`.
        merchant_name, merchant_category_code: card payments only (`MerchantDetails`).
    """

    account_id: str
    transaction_id: str
    amount: int
    currency: str
    booked_at: datetime
    information: str
    code: str
    category: str
    merchant_name: str | None = None
    merchant_category_code: str | None = None

    @property
    def is_credit(self) -> bool:
        return self.amount >= 0

    def to_json(self, *, detail: bool) -> dict[str, Any]:
        """Basic: amounts, dates and codes; Detail adds the narrative, merchant and category."""
        body: dict[str, Any] = {
            "AccountId": self.account_id,
            "TransactionId": self.transaction_id,
            "CreditDebitIndicator": _indicator(self.amount),
            "Status": "Booked",
            "BookingDateTime": iso_timestamp(self.booked_at),
            "ValueDateTime": iso_timestamp(self.booked_at),
            "Amount": _money(self.amount, self.currency),
            "ProprietaryBankTransactionCode": {"Code": self.code, "Issuer": "SandboxBank"},
        }
        if detail:
            body["TransactionInformation"] = self.information
            if self.merchant_name is not None:
                body["MerchantDetails"] = {
                    "MerchantName": self.merchant_name,
                    "MerchantCategoryCode": self.merchant_category_code,
                }
            body["SupplementaryData"] = {"Category": self.category}
        return body


class BankGateway(Protocol):
    """A bank's account-information API, as an AISP uses it under a customer's consent."""

    @property
    def max_consent_duration(self) -> timedelta:
        """The longest access the bank grants in one consent."""
        ...

    def authorise(self, consent: BankConsent) -> bool:
        """Run the customer's authorisation at the bank; True if they (and the bank) agree.

        Locally the sandbox bank answers at once; a production adapter starts a redirect and the
        answer arrives later, on the callback.
        """
        ...

    def accounts(self, consent: BankConsent) -> list[Account]:
        """The accounts the customer chose at the bank."""
        ...

    def balances(self, consent: BankConsent) -> list[Balance]:
        """The current balances of those accounts."""
        ...

    def transactions(
        self, consent: BankConsent, from_: datetime, to: datetime
    ) -> list[Transaction]:
        """Booked transactions with `from_ <= BookingDateTime < to`, oldest first."""
        ...


def read_bank_data(
    gateway: BankGateway, consent: BankConsent, *, from_: datetime, to: datetime
) -> dict[str, Any]:
    """What `consent` lets us read, fetched from the bank: only the permitted resources, and of
    transactions only the permitted directions and detail.

    The caller checks that the consent is usable first (`BankConsent.check_data_access`).
    Resources the consent does not cover are absent from the answer rather than empty, so a
    reader can tell "not permitted" from "none".
    """
    permissions = consent.permissions
    body: dict[str, Any] = {"consentId": consent.id}
    account_detail = Permission.READ_ACCOUNTS_DETAIL in permissions
    if account_detail or Permission.READ_ACCOUNTS_BASIC in permissions:
        body["accounts"] = [a.to_json(detail=account_detail) for a in gateway.accounts(consent)]
    if Permission.READ_BALANCES in permissions:
        body["balances"] = [b.to_json() for b in gateway.balances(consent)]
    credits = Permission.READ_TRANSACTIONS_CREDITS in permissions
    debits = Permission.READ_TRANSACTIONS_DEBITS in permissions
    if credits or debits:
        detail = Permission.READ_TRANSACTIONS_DETAIL in permissions
        body["transactions"] = [
            t.to_json(detail=detail)
            for t in gateway.transactions(consent, from_, to)
            if (credits and t.is_credit) or (debits and not t.is_credit)
        ]
    return body
