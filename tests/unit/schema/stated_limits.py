"""The input limits the schema states, each with the figures the code enforces.

`test_input_limits.py` checks them against the generated schema's descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from services.credit import limits as credit
from services.credit.checkouts import domain as checkouts, redirects
from services.credit.webhooks import addresses as webhook_addresses, domain as webhook_domain
from services.credit_proxy import arguments as proxy
from services.shared import ids
from services.shared.errors import ValidationError
from services.shared.money import CURRENCIES
from services.user.consents import domain as consents
from services.user.customers import domain as customers
from services.user.sandbox_bank import bank as sandbox_bank
from services.user.verification import domain as verification


@dataclass(frozen=True)
class Stated:
    """A limit as the schema words it: `phrase` with `{}` filled by the enforced figures."""

    coordinate: str
    phrase: str
    figures: tuple[int | str, ...]
    enforced_by: str

    @property
    def text(self) -> str:
        return self.phrase.format(*(f"{f:,}" if isinstance(f, int) else f for f in self.figures))


def _longest_accepted(accepts: Callable[[int], bool], *, upto: int = 10_000) -> int:
    """The largest n that `accepts`, for limits the code states only inside a rule."""
    return max(n for n in range(1, upto + 1) if accepts(n))


def _refused(field: str, call: Callable[[], object]) -> bool:
    try:
        call()
    except ValidationError as exc:
        return exc.field == field
    return False


def _merchant_id_accepted(length: int) -> bool:
    payload = {
        "merchantId": "m" * length,
        "merchantReference": "order-1",
        "amount": {"amount": 100, "currency": "GBP"},
        "items": [
            {
                "sku": "A",
                "name": "A",
                "quantity": 1,
                "unitPrice": {"amount": 100, "currency": "GBP"},
            }
        ],
    }
    return not _refused("merchantId", lambda: checkouts.parse_checkout_request(payload))


def _per(window: timedelta) -> str:
    return "an hour" if window == timedelta(hours=1) else f"per {window}"


def _one_of(names: list[str]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"


ID = CHARS = "1 to {} characters"
KEY = "1 to {} printable characters without spaces"
CREDIT_ID = credit.ID_MAX_CHARS
AMOUNT = checkouts.MAX_CHECKOUT_AMOUNT

LIMITS: tuple[Stated, ...] = (
    # ids
    *(
        Stated(coordinate, ID, (CREDIT_ID,), "credit.limits.ID_MAX_CHARS")
        for coordinate in (
            "Query.checkout(id:)",
            "Query.application(id:)",
            "Query.applicationAudit(applicationId:)",
            "Query.plan(id:)",
            "Mutation.voidCheckout(checkoutId:)",
            "ApplyForCreditInput.checkoutId",
            "ApplyForCreditInput.bankConsentId",
            "ReviewApplicationInput.applicationId",
            "AcceptOfferInput.applicationId",
            "AcceptOfferInput.offerId",
            "PayInstalmentInput.planId",
            "PayOffPlanInput.planId",
            "CaptureCheckoutInput.checkoutId",
            "RefundCheckoutInput.checkoutId",
        )
    ),
    *(
        Stated(coordinate, ID, (ids.ID_MAX_CHARS,), "shared.ids.ID_MAX_CHARS")
        for coordinate in (
            "Mutation.confirmVerification(challengeId:)",
            "Mutation.revokeBankConsent(id:)",
            # Webhook ids and the merchant id are checked by the credit proxy's one id rule.
            "Query.webhookEndpoints(merchantId:)",
            "Query.webhookDeliveries(endpointId:)",
            "Mutation.rotateWebhookSecret(endpointId:)",
            "Mutation.disableWebhookEndpoint(endpointId:)",
            "Mutation.enableWebhookEndpoint(endpointId:)",
            "Mutation.replayWebhookEvent(eventId:)",
            "Mutation.sendTestWebhook(endpointId:)",
        )
    ),
    Stated(
        "CreateWebhookEndpointInput.merchantId",
        ID,
        (ids.ID_MAX_CHARS,),
        "shared.ids.ID_MAX_CHARS",
    ),
    Stated(
        "CreateWebhookEndpointInput.url",
        "at most {} characters",
        (webhook_addresses.URL_MAX_CHARS,),
        "webhooks.addresses.URL_MAX_CHARS",
    ),
    Stated(
        "CreateWebhookEndpointInput.description",
        "at most {} characters",
        (webhook_domain.DESCRIPTION_MAX_CHARS,),
        "webhooks.domain.DESCRIPTION_MAX_CHARS",
    ),
    # idempotency keys
    *(
        Stated(
            f"{name}.idempotencyKey",
            KEY,
            (credit.IDEMPOTENCY_KEY_MAX_CHARS,),
            "credit.limits.IDEMPOTENCY_KEY_MAX_CHARS",
        )
        for name in (
            "ApplyForCreditInput",
            "AcceptOfferInput",
            "PayInstalmentInput",
            "PayOffPlanInput",
            "CaptureCheckoutInput",
            "RefundCheckoutInput",
        )
    ),
    # payment-method tokens
    *(
        Stated(
            f"{name}.paymentMethodToken",
            KEY,
            (credit.PAYMENT_TOKEN_MAX_CHARS,),
            "credit.limits.PAYMENT_TOKEN_MAX_CHARS",
        )
        for name in ("AcceptOfferInput", "PayInstalmentInput", "PayOffPlanInput")
    ),
    # checkouts
    Stated(
        "CreateCheckoutInput.merchantId",
        "1 to {} letters, digits, '_' or '-'",
        (_longest_accepted(_merchant_id_accepted, upto=1_000),),
        "domain.parse_checkout_request",
    ),
    Stated(
        "CreateCheckoutInput.merchantReference",
        CHARS,
        (checkouts.REFERENCE_MAX_CHARS,),
        "domain.REFERENCE_MAX_CHARS",
    ),
    Stated(
        "CreateCheckoutInput.amount",
        "at most {} minor units",
        (AMOUNT,),
        "domain.MAX_CHECKOUT_AMOUNT",
    ),
    Stated(
        "CreateCheckoutInput.items", "1 to {} lines", (checkouts.MAX_ITEMS,), "domain.MAX_ITEMS"
    ),
    *(
        Stated(
            f"CreateCheckoutInput.{name}",
            "at most {} characters",
            (redirects.URL_MAX_CHARS,),
            "redirects.URL_MAX_CHARS",
        )
        for name in ("confirmationUrl", "cancelUrl")
    ),
    Stated("LineItemInput.sku", CHARS, (checkouts.SKU_MAX_CHARS,), "domain.SKU_MAX_CHARS"),
    Stated(
        "LineItemInput.name", CHARS, (checkouts.ITEM_NAME_MAX_CHARS,), "domain.ITEM_NAME_MAX_CHARS"
    ),
    Stated("LineItemInput.quantity", "1 to {}.", (checkouts.MAX_QUANTITY,), "domain.MAX_QUANTITY"),
    Stated(
        "LineItemInput.unitPrice", "at most {} minor units", (AMOUNT,), "domain.MAX_CHECKOUT_AMOUNT"
    ),
    Stated(
        "MoneyInput.currency",
        "one of {}.",
        (_one_of(sorted(CURRENCIES)),),
        "money.CURRENCIES",
    ),
    # applications and plans
    Stated(
        "Mutation.applyForCredit",
        "Up to {} shoppers",
        (checkouts.MAX_APPLICANTS_PER_CHECKOUT,),
        "domain.MAX_APPLICANTS_PER_CHECKOUT",
    ),
    Stated(
        "ReviewApplicationInput.note",
        CHARS,
        (credit.NOTE_MAX_CHARS,),
        "credit.limits.NOTE_MAX_CHARS",
    ),
    Stated(
        "PayInstalmentInput.instalmentNumber",
        "1 to {}.",
        (credit.INSTALMENT_NUMBER_MAX,),
        "credit.limits.INSTALMENT_NUMBER_MAX",
    ),
    Stated(
        "Query.myPlans(limit:)",
        "1 to {}; {} if omitted.",
        (credit.PAGE_MAX, credit.PAGE_DEFAULT),
        "credit.limits.PAGE_MAX, PAGE_DEFAULT",
    ),
    Stated(
        "Query.webhookDeliveries(limit:)",
        "1 to {}; {} if omitted.",
        (credit.PAGE_MAX, credit.PAGE_DEFAULT),
        "credit.limits.PAGE_MAX, PAGE_DEFAULT",
    ),
    Stated(
        "Query.webhookDeliveries(nextToken:)",
        "at most {} characters",
        (proxy.NEXT_TOKEN_MAX_CHARS,),
        "credit_proxy.arguments.NEXT_TOKEN_MAX_CHARS",
    ),
    Stated(
        "Query.myPlans(nextToken:)",
        "at most {} characters",
        (proxy.NEXT_TOKEN_MAX_CHARS,),
        "credit_proxy.arguments.NEXT_TOKEN_MAX_CHARS",
    ),
    # customers
    *(
        Stated(
            f"{name}.phone",
            "at most {} digits",
            (customers.PHONE_MAX_DIGITS,),
            "user.domain.PHONE_MAX_DIGITS",
        )
        for name in ("RegisterCustomerInput", "UpdateCustomerInput")
    ),
    *(
        Stated(f"{name}.{field}", CHARS, (customers.NAME_MAX_CHARS,), "user.domain.NAME_MAX_CHARS")
        for name in ("RegisterCustomerInput", "UpdateCustomerInput")
        for field in ("givenName", "familyName")
    ),
    *(
        Stated(
            f"{name}.dateOfBirth",
            "{} to {} years old",
            (customers.MIN_AGE_YEARS, customers.MAX_AGE_YEARS),
            "user.domain.MIN_AGE_YEARS, MAX_AGE_YEARS",
        )
        for name in ("RegisterCustomerInput", "UpdateCustomerInput")
    ),
    *(
        Stated(
            f"AddressInput.{field}",
            phrase,
            (customers.ADDRESS_LINE_MAX_CHARS,),
            "user.domain.ADDRESS_LINE_MAX_CHARS",
        )
        for field, phrase in (("line1", CHARS), ("line2", "At most {} characters"), ("city", CHARS))
    ),
    Stated(
        "AddressInput.postcode",
        CHARS,
        (customers.POSTCODE_MAX_CHARS,),
        "user.domain.POSTCODE_MAX_CHARS",
    ),
    # verification
    Stated(
        "Mutation.startVerification",
        "at most {} {}",
        (verification.MAX_CHALLENGES_PER_WINDOW, _per(verification.RATE_WINDOW)),
        "verification.MAX_CHALLENGES_PER_WINDOW, RATE_WINDOW",
    ),
    Stated(
        "Mutation.startVerification",
        "lasts {} minutes",
        (verification.CODE_LIFETIME // timedelta(minutes=1),),
        "verification.CODE_LIFETIME",
    ),
    Stated(
        "Mutation.startVerification",
        "allows {} attempts",
        (verification.MAX_ATTEMPTS,),
        "verification.MAX_ATTEMPTS",
    ),
    Stated(
        "Mutation.confirmVerification(code:)",
        "The {} digits sent",
        (verification.CODE_DIGITS,),
        "verification.CODE_DIGITS",
    ),
    # consents
    Stated(
        "GrantBankConsentInput.expiresAt",
        "at most what the bank allows ({} days ahead at the sandbox bank)",
        (sandbox_bank.MAX_CONSENT_DURATION.days,),
        "sandbox_bank.MAX_CONSENT_DURATION",
    ),
    Stated(
        "GrantBankConsentInput.expiresAt",
        "{} days from now by default",
        (consents.DEFAULT_DURATION.days,),
        "consents.DEFAULT_DURATION",
    ),
    Stated(
        "GrantBankConsentInput.permissions",
        "At least one OBIE permission: {}.",
        (", ".join(sorted(p.value for p in consents.Permission)),),
        "consents.Permission",
    ),
)

# Figures that name a standard or give an example, not a limit.
NOT_LIMITS = re.compile(r"ISO \d+(?:-\d+)?(?: alpha-\d)?|E\.164|e\.g\. \S+")
FIGURE = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d+\b")

# Inputs with no limit to state, and why. Every other scalar input must state one.
UNBOUNDED: Mapping[str, str] = {
    "MoneyInput.amount": "a positive integer; the bound depends on the use, stated there",
    "AddressInput.country": "an ISO 3166-1 alpha-2 code",
    "Subscription.onCheckoutUpdated(id:)": "never looked up: it selects which updates are heard",
    "CheckoutUpdateInput": "the credit service's own publication of a stored checkout",
}
