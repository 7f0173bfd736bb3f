"""A screening run's state and its step records as plain JSON, and back, exactly.

On Step Functions each step runs in its own Lambda invocation and the run's state travels
between the states as JSON, so `screening_from_json(screening_to_json(s))` must be `s` again,
field for field (all but `IN_PROCESS`: `ahead`, the in-process reads made ahead of the steps,
which a fresh run makes again, and `challenger`, a challenger model the in-process caller asks
once the decision is stored). Reading back is strict (`JsonRecord`): a missing key is a
KeyError; an unknown key (a field this code would drop), a wrong type or an invalid value is a
ValueError.

- Money, enums, dates and datetimes are written as the API writes them: `{amount, currency}`,
  the value, ISO 8601 (a datetime keeps its offset and microseconds).
- A dataclass whose `to_json` holds all of it is written by that `to_json` and read by its
  `from_json` (rule hits, fraud signals, exposure, payment history, step records). The others
  are written here (`findings_json`): their evidence form rounds or derives some figures.
- Payloads taken whole (the customer, the checkout, rule and step details) must be plain JSON
  already: a tuple, a date or an enum among them would come back as something else, so writing
  refuses them.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from services.credit.policy.decision import RuleHit
from services.credit.screening.checks.exposure import Exposure, PaymentHistory
from services.credit.screening.checks.fraud import FraudSignals
from services.credit.screening.checks.prior import (
    PriorApplication,
    PriorApplications,
    VelocityKey,
)
from services.credit.screening.findings_json import (
    bureau_from_json,
    bureau_to_json,
    cash_flow_from_json,
    cash_flow_to_json,
    offer_from_json,
    offer_to_json,
    outcome_from_json,
    outcome_to_json,
)
from services.credit.screening.runner import StepResult
from services.credit.screening.state import Screening
from services.shared.json_record import JsonRecord
from services.shared.money import Money

IN_PROCESS = frozenset({"ahead", "challenger"})
"""The `Screening` fields that live in one process only and are never written."""

__all__ = [
    "IN_PROCESS",
    "prior_from_json",
    "prior_to_json",
    "screening_from_json",
    "screening_to_json",
    "step_result_from_json",
    "step_result_to_json",
]


def screening_to_json(screening: Screening) -> dict[str, Any]:
    """The run's state as plain JSON: the application and what the steps found so far.

    Raises:
        ValueError: a payload taken whole holds something JSON would not give back as it is.
    """
    s = screening
    state = {
        "applicationId": s.application_id,
        "customer": dict(s.customer),
        "checkout": dict(s.checkout),
        "amount": s.amount.to_json(),
        "authorization": s.authorization,
        "bankConsentId": s.bank_consent_id,
        "deviceId": s.device_id,
        "sourceIp": s.source_ip,
        "prior": prior_to_json(s.prior),
        "now": s.now.isoformat(),
        "cashFlow": None if s.cash_flow is None else cash_flow_to_json(s.cash_flow),
        "bureau": None if s.bureau is None else bureau_to_json(s.bureau),
        "exposure": None if s.exposure is None else s.exposure.to_json(),
        "paymentHistory": None if s.payment_history is None else s.payment_history.to_json(),
        "fraud": None if s.fraud is None else s.fraud.to_json(),
        "hits": [hit.to_json() for hit in s.hits],
        "outcome": None if s.outcome is None else outcome_to_json(s.outcome),
        "offers": [offer_to_json(offer) for offer in s.offers],
    }
    _require_plain(state, "Screening")
    return state


def screening_from_json(data: object) -> Screening:
    """The screening `screening_to_json` wrote, without its `IN_PROCESS` fields (empty).

    Raises:
        KeyError: a field is missing.
        ValueError: an unknown field, a wrong type or an invalid value.
    """
    with JsonRecord(data, "Screening") as r:
        return Screening(
            application_id=r.value("applicationId", str),
            customer=r.mapping("customer"),
            checkout=r.mapping("checkout"),
            amount=r.decode("amount", Money.from_json),
            authorization=r.value("authorization", str),
            bank_consent_id=r.optional("bankConsentId", str),
            device_id=r.optional("deviceId", str),
            source_ip=r.optional("sourceIp", str),
            prior=r.decode("prior", prior_from_json),
            now=r.iso_datetime("now"),
            cash_flow=r.optional_decode("cashFlow", cash_flow_from_json),
            bureau=r.optional_decode("bureau", bureau_from_json),
            exposure=r.optional_decode("exposure", Exposure.from_json),
            payment_history=r.optional_decode("paymentHistory", PaymentHistory.from_json),
            fraud=r.optional_decode("fraud", FraudSignals.from_json),
            hits=r.decode_all("hits", RuleHit.from_json),
            outcome=r.optional_decode("outcome", outcome_from_json),
            offers=r.decode_all("offers", offer_from_json),
        )


def step_result_to_json(step: StepResult) -> dict[str, Any]:
    """A step's record as the API shows it (`StepResult.to_json`), checked to be plain JSON.

    Raises:
        ValueError: its detail holds something JSON would not give back as it is.
    """
    record = step.to_json()
    _require_plain(record, "StepResult")
    return record


def step_result_from_json(data: object) -> StepResult:
    """The record `step_result_to_json` wrote (`StepResult.from_json`)."""
    return StepResult.from_json(data)


def prior_to_json(prior: PriorApplications) -> list[dict[str, Any]]:
    """The earlier applications, one entry per key: a list, so that every object in a run's
    state is a record whose keys are all required."""
    return [
        {"key": key.value, "applications": [_prior_application_to_json(a) for a in apps]}
        for key, apps in prior.by_key.items()
    ]


def prior_from_json(data: object) -> PriorApplications:
    """The applications `prior_to_json` wrote.

    Raises:
        KeyError: a field is missing.
        ValueError: an unknown field, a wrong type, an invalid value or a key given twice.
    """
    if not isinstance(data, list):
        raise ValueError(f"PriorApplications: must be a list, not {data!r}")
    by_key: dict[VelocityKey, tuple[PriorApplication, ...]] = {}
    for entry in data:
        with JsonRecord(entry, "PriorApplications") as r:
            key = r.choice("key", VelocityKey)
            if key in by_key:
                raise ValueError(f"PriorApplications: {key.value} is given twice")
            by_key[key] = tuple(r.decode_all("applications", _prior_application_from_json))
    return PriorApplications(by_key=by_key)


def _prior_application_to_json(app: PriorApplication) -> dict[str, Any]:
    expires = app.checkout_expires_at
    return {
        "id": app.id,
        "createdAt": app.created_at.isoformat(),
        "checkoutId": app.checkout_id,
        "amount": None if app.amount is None else app.amount.to_json(),
        "checkoutExpiresAt": None if expires is None else expires.isoformat(),
        "outcome": app.outcome,
    }


def _prior_application_from_json(data: object) -> PriorApplication:
    with JsonRecord(data, "PriorApplication") as r:
        return PriorApplication(
            id=r.value("id", str),
            created_at=r.iso_datetime("createdAt"),
            checkout_id=r.optional("checkoutId", str),
            amount=r.optional_decode("amount", Money.from_json),
            checkout_expires_at=r.optional_iso_datetime("checkoutExpiresAt"),
            outcome=r.optional("outcome", str),
        )


_SCALARS = (str, int, float, bool, type(None))


def _require_plain(value: object, where: str) -> None:
    """Raises ValueError unless `value` holds only what JSON gives back unchanged: objects with
    string keys, lists, strings, finite numbers, booleans and null."""
    if isinstance(value, Mapping):
        if type(value) is not dict:
            raise ValueError(f"{where}: {type(value).__name__} is not a JSON object")
        for key, item in value.items():
            if type(key) is not str:
                raise ValueError(f"{where}: key {key!r} is not a string")
            _require_plain(item, f"{where}.{key}")
    elif type(value) is list:
        for index, item in enumerate(value):
            _require_plain(item, f"{where}[{index}]")
    # Exact types: a str or int subclass (an enum) would come back as the plain value.
    elif type(value) not in _SCALARS:
        raise ValueError(f"{where}: {value!r} is not plain JSON")
    elif type(value) is float and not math.isfinite(value):
        raise ValueError(f"{where}: {value!r} is not a JSON number")
