"""What the screening steps found, as plain JSON and back, exactly (for `run_json`).

These are the findings whose evidence form (`to_json`) cannot rebuild them: the bureau's report
has none; the cash flow and affordability round their shares to four places; the policy outcome
holds the affordability; an offer shows its totals but not its principal. Field names follow the
evidence form where there is one.

Pure: no web, storage or AWS.
"""

from __future__ import annotations

from typing import Any

from services.credit.policy.decision import PolicyOutcome, RuleHit
from services.credit.policy.offers import Frequency, Offer, PlanProduct, ScheduledPayment
from services.credit.policy.reasons import Reason
from services.credit.policy.rules import Outcome
from services.credit.screening.checks.affordability import (
    Affordability,
    CashFlowSummary,
    FigureSource,
)
from services.credit.screening.checks.bureau import (
    BureauReport,
    Derogatory,
    DerogatoryKind,
    HomeStatus,
    JobType,
)
from services.shared.json_record import JsonRecord
from services.shared.money import Money


def _money(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else value.to_json()


def bureau_to_json(report: BureauReport) -> dict[str, Any]:
    """The whole report."""
    return {
        "reference": report.reference,
        "bureau": report.bureau,
        "currency": report.currency,
        "filePresent": report.file_present,
        "score": report.score,
        "derogatories": [
            {"kind": d.kind.value, "recordedOn": d.recorded_on.isoformat(), "amount": d.amount}
            for d in report.derogatories
        ],
        "activeCreditCount": report.active_credit_count,
        "totalDebt": report.total_debt,
        "assets": report.assets,
        "declaredMonthlyIncome": report.declared_monthly_income,
        "declaredMonthlyExpenses": report.declared_monthly_expenses,
        "homeStatus": None if report.home_status is None else report.home_status.value,
        "jobType": None if report.job_type is None else report.job_type.value,
        "employmentYears": report.employment_years,
        "residenceCountry": report.residence_country,
    }


def bureau_from_json(data: object) -> BureauReport:
    """The report `bureau_to_json` wrote (KeyError or ValueError otherwise)."""
    with JsonRecord(data, "BureauReport") as r:
        return BureauReport(
            reference=r.value("reference", str),
            bureau=r.value("bureau", str),
            currency=r.value("currency", str),
            file_present=r.value("filePresent", bool),
            score=r.optional("score", int),
            derogatories=tuple(r.decode_all("derogatories", _derogatory_from_json)),
            active_credit_count=r.value("activeCreditCount", int),
            total_debt=r.optional("totalDebt", int),
            assets=r.optional("assets", int),
            declared_monthly_income=r.optional("declaredMonthlyIncome", int),
            declared_monthly_expenses=r.optional("declaredMonthlyExpenses", int),
            home_status=r.optional_choice("homeStatus", HomeStatus),
            job_type=r.optional_choice("jobType", JobType),
            employment_years=r.optional("employmentYears", int),
            residence_country=r.optional("residenceCountry", str),
        )


def _derogatory_from_json(data: object) -> Derogatory:
    with JsonRecord(data, "Derogatory") as r:
        return Derogatory(
            kind=r.choice("kind", DerogatoryKind),
            recorded_on=r.iso_date("recordedOn"),
            amount=r.value("amount", int),
        )


def cash_flow_to_json(summary: CashFlowSummary) -> dict[str, Any]:
    """The whole summary: its gambling share unrounded, its commitments left to be derived."""
    s = summary
    return {
        "currency": s.currency,
        "monthsObserved": s.months_observed,
        "incomeMonths": s.income_months,
        "monthlyIncome": s.monthly_income,
        "monthlyHousing": s.monthly_housing,
        "monthlyBills": s.monthly_bills,
        "monthlyDebtService": s.monthly_debt_service,
        "monthlyEssentials": s.monthly_essentials,
        "returnedPayments90d": s.returned_payments_90d,
        "gamblingShare90d": s.gambling_share_90d,
        "bnplProviders60d": s.bnpl_providers_60d,
        "overdrawnDays90d": s.overdrawn_days_90d,
        "daysSinceIncome": s.days_since_income,
        "transactionsUsed": s.transactions_used,
        "transactionsIgnored": s.transactions_ignored,
    }


def cash_flow_from_json(data: object) -> CashFlowSummary:
    """The summary `cash_flow_to_json` wrote (KeyError or ValueError otherwise)."""
    with JsonRecord(data, "CashFlowSummary") as r:
        return CashFlowSummary(
            currency=r.value("currency", str),
            months_observed=r.value("monthsObserved", int),
            income_months=r.value("incomeMonths", int),
            monthly_income=r.optional("monthlyIncome", int),
            monthly_housing=r.optional("monthlyHousing", int),
            monthly_bills=r.optional("monthlyBills", int),
            monthly_debt_service=r.optional("monthlyDebtService", int),
            monthly_essentials=r.optional("monthlyEssentials", int),
            returned_payments_90d=r.value("returnedPayments90d", int),
            gambling_share_90d=r.value("gamblingShare90d", float),
            bnpl_providers_60d=r.value("bnplProviders60d", int),
            overdrawn_days_90d=r.value("overdrawnDays90d", int),
            days_since_income=r.optional("daysSinceIncome", int),
            transactions_used=r.value("transactionsUsed", int),
            transactions_ignored=r.value("transactionsIgnored", int),
        )


def affordability_to_json(affordability: Affordability) -> dict[str, Any]:
    """The whole assessment, its ratio unrounded."""
    a = affordability
    return {
        "source": a.source.value,
        "monthlyIncome": _money(a.monthly_income),
        "monthlyCommitments": _money(a.monthly_commitments),
        "disposableIncome": _money(a.disposable_income),
        "monthlyInstalment": a.monthly_instalment.to_json(),
        "instalmentToDisposableIncome": a.instalment_to_disposable_income,
        "failures": list(a.failures),
    }


def affordability_from_json(data: object) -> Affordability:
    """The assessment `affordability_to_json` wrote (KeyError or ValueError otherwise)."""
    with JsonRecord(data, "Affordability") as r:
        return Affordability(
            source=r.choice("source", FigureSource),
            monthly_income=r.optional_decode("monthlyIncome", Money.from_json),
            monthly_commitments=r.optional_decode("monthlyCommitments", Money.from_json),
            disposable_income=r.optional_decode("disposableIncome", Money.from_json),
            monthly_instalment=r.decode("monthlyInstalment", Money.from_json),
            instalment_to_disposable_income=r.optional("instalmentToDisposableIncome", float),
            failures=tuple(r.values("failures", str)),
        )


def outcome_to_json(outcome: PolicyOutcome) -> dict[str, Any]:
    """The whole outcome: its evidence form with the affordability unrounded."""
    return {**outcome.to_json(), "affordability": affordability_to_json(outcome.affordability)}


def outcome_from_json(data: object) -> PolicyOutcome:
    """The outcome `outcome_to_json` wrote (KeyError or ValueError otherwise)."""
    with JsonRecord(data, "PolicyOutcome") as r:
        return PolicyOutcome(
            outcome=r.choice("outcome", Outcome),
            band=r.optional("band", str),
            limit=r.optional_decode("limit", Money.from_json),
            available=r.optional_decode("available", Money.from_json),
            reasons=tuple(r.decode_all("reasons", Reason.from_json)),
            affordability=r.decode("affordability", affordability_from_json),
            policy_version=r.value("policyVersion", str),
            hits=tuple(r.decode_all("rules", RuleHit.from_json)),
            probability_bad=r.optional("probabilityBad", float),
            model_version=r.optional("modelVersion", str),
        )


def offer_to_json(offer: Offer) -> dict[str, Any]:
    """The offer's own fields; its totals and instalment count follow from them."""
    return {
        "id": offer.id,
        "product": offer.product.value,
        "frequency": offer.frequency.value,
        "apr": offer.apr,
        "principal": offer.principal.to_json(),
        "schedule": [payment.to_json() for payment in offer.schedule],
    }


def offer_from_json(data: object) -> Offer:
    """The offer `offer_to_json` wrote (KeyError or ValueError otherwise)."""
    with JsonRecord(data, "Offer") as r:
        return Offer(
            id=r.value("id", str),
            product=r.choice("product", PlanProduct),
            frequency=r.choice("frequency", Frequency),
            apr=r.value("apr", float),
            principal=r.decode("principal", Money.from_json),
            schedule=tuple(r.decode_all("schedule", ScheduledPayment.from_json)),
        )
