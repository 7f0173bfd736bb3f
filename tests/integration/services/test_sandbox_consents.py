"""The personas' seeded open-banking consents (`bnpl/sandbox.py` → `bnpl/sandbox_consents.py`)."""

from __future__ import annotations

import pytest

from bnpl.personas import PERSONAS
from bnpl.sandbox import seed
from bnpl.sandbox_consents import sandbox_consent_id, seed_bank_consents
from services.user.consents.domain import ConsentStatus
from services.user.consents.service import ConsentService
from services.user.consents.store import DynamoConsentRepository
from services.user.sandbox_bank.bank import SandboxBank

pytestmark = pytest.mark.ddblocal

SHOPPERS = {p.name: p.sub for p in PERSONAS.values() if "customers" in p.groups}


def test_each_persona_has_its_consent_and_it_reads_their_bank_data(ddb_settings):
    seed(ddb_settings)
    repository = DynamoConsentRepository(ddb_settings)
    service = ConsentService(repository=repository, bank=SandboxBank())
    for name, sub in SHOPPERS.items():
        consent = repository.get(sub, f"sandbox-consent-{name}")
        assert consent is not None, name
        if name == "fraud":
            assert consent.status is ConsentStatus.REJECTED
            continue
        assert consent.status is ConsentStatus.AUTHORISED
        data = service.bank_data(customer_id=sub, consent_id=consent.id, query={})
        assert {"accounts", "balances", "transactions"} <= set(data)
    assert repository.get("sandbox-underwriter", "sandbox-consent-underwriter") is None


def test_seeding_again_keeps_a_usable_consent_and_replaces_a_revoked_one(ddb_settings):
    seed_bank_consents(ddb_settings, SHOPPERS)
    assert seed_bank_consents(ddb_settings, SHOPPERS) == []
    repository = DynamoConsentRepository(ddb_settings)
    service = ConsentService(repository=repository, bank=SandboxBank())
    service.revoke(customer_id="sandbox-approve", consent_id=sandbox_consent_id("approve"))
    assert seed_bank_consents(ddb_settings, SHOPPERS) == ["sandbox-consent-approve"]
    replaced = repository.get("sandbox-approve", "sandbox-consent-approve")
    assert replaced is not None
    assert replaced.status is ConsentStatus.AUTHORISED
