"""Sandbox data for the local stack: the sandbox merchant and the personas' customer profiles."""

from __future__ import annotations

from datetime import UTC

from bnpl.personas import PERSONAS, Persona
from bnpl.sandbox_consents import seed_bank_consents
from bnpl.settings import (
    RIVAL_MERCHANT_ARN,
    RIVAL_MERCHANT_ID,
    SANDBOX_MERCHANT_ARN,
    SANDBOX_MERCHANT_ID,
    DevSettings,
)
from services.credit.checkouts.domain import Merchant
from services.credit.checkouts.store import DynamoMerchantRepository
from services.shared.settings import Settings
from services.shared.timestamps import utc_now
from services.user.customers.domain import Customer, VerificationStatus, parse_registration
from services.user.customers.store import DynamoCustomerRepository

SANDBOX_MERCHANT_NAME = "Sandbox Outfitters"
RIVAL_MERCHANT_NAME = "Rival Goods"
CUSTOMER_GROUP = "customers"


def sandbox_merchant(settings: DevSettings | None = None) -> Merchant:
    """The merchant whose backend signs with the sandbox IAM credentials; the demo shop's
    HTTPS origins are its allowed redirect URL prefixes."""
    settings = settings or DevSettings.from_environ()
    hosts = dict.fromkeys(("127.0.0.1", "localhost", settings.host))
    return Merchant(
        id=SANDBOX_MERCHANT_ID,
        name=SANDBOX_MERCHANT_NAME,
        principal_arns=frozenset({SANDBOX_MERCHANT_ARN}),
        redirect_url_prefixes=tuple(f"https://{h}:{settings.shop_tls_port}/" for h in hosts),
    )


def rival_merchant() -> Merchant:
    """A second merchant, signing with keys of its own; no return URLs."""
    return Merchant(
        id=RIVAL_MERCHANT_ID,
        name=RIVAL_MERCHANT_NAME,
        principal_arns=frozenset({RIVAL_MERCHANT_ARN}),
        redirect_url_prefixes=(),
    )


def persona_customer(persona: Persona) -> Customer:
    """A persona's profile: verified, so the persona can go straight to applying for credit."""
    now = utc_now()
    profile = parse_registration(
        {
            "givenName": persona.given_name,
            "familyName": persona.family_name,
            "dateOfBirth": persona.date_of_birth,
            "phone": persona.phone,
        },
        today=now.astimezone(UTC).date(),
    )
    return Customer.register(
        customer_id=persona.sub,
        email=persona.email,
        profile=profile,
        created_at=now,
        verification_status=VerificationStatus.VERIFIED,
    )


def seed(settings: Settings) -> list[str]:
    """Write the sandbox merchants and the customer personas' profiles; safe to run again.

    The merchant is written as defined here on every run; a profile that exists already is left
    as it is, so changes made while exploring survive a restart.

    Returns:
        The subjects of the profiles created by this run.
    """
    merchants = DynamoMerchantRepository(settings)
    merchants.save(sandbox_merchant())
    merchants.save(rival_merchant())
    customers = DynamoCustomerRepository(settings)
    created = []
    for persona in PERSONAS.values():
        # Underwriters sign in to review applications; they are not shoppers with a profile.
        if CUSTOMER_GROUP in persona.groups and customers.add(persona_customer(persona)):
            created.append(persona.sub)
    # Each shopper persona also gets an open-banking consent (ids in bnpl/sandbox_consents.py).
    seed_bank_consents(
        settings, {p.name: p.sub for p in PERSONAS.values() if CUSTOMER_GROUP in p.groups}
    )
    return created
