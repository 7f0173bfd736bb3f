"""The model's reason codes: what each feature tells an applicant when it costs them points."""

from __future__ import annotations

# Features our product fixes rather than the applicant (every BNPL checkout finances the whole
# price over the policy's term): they move the score but give the customer no reason to act on,
# so they carry no reason code.
PRODUCT_FIXED = frozenset({"term_months", "amount_to_price"})

REASONS: dict[str, tuple[str, str]] = {
    "employment_years": (
        "SHORT_EMPLOYMENT",
        "You have been with your current employer for a short time",
    ),
    "term_months": ("LONG_TERM", "The repayment term is long"),
    "adverse_records": (
        "ADVERSE_CREDIT_RECORDS",
        "Your credit file shows missed payments, defaults or court judgments",
    ),
    "monthly_expenses": ("HIGH_EXPENSES", "Your regular monthly expenses are high"),
    "monthly_income": ("LOW_INCOME", "Your monthly income is low"),
    "assets": ("LOW_ASSETS", "You hold few savings or other assets"),
    "debt": ("HIGH_DEBT", "Your existing debts are high"),
    "amount": ("HIGH_AMOUNT", "The amount of credit requested is high"),
    "price": ("HIGH_PRICE", "The price of the goods is high"),
    "home": ("HOUSING_STATUS", "Your housing situation, for example renting or living with family"),
    "job": ("EMPLOYMENT_TYPE", "Your type of employment, for example part-time or temporary work"),
    "amount_to_price": (
        "HIGH_FINANCED_SHARE",
        "You are asking to borrow a large share of the price",
    ),
    "expenses_to_income": (
        "HIGH_EXPENSES_TO_INCOME",
        "Your regular expenses are high compared with your income",
    ),
    "debt_to_assets": ("HIGH_DEBT_TO_ASSETS", "Your debts are high compared with your assets"),
    "instalment_to_income": (
        "HIGH_INSTALMENT_TO_INCOME",
        "The repayments would be high compared with your income",
    ),
    "repayment_capacity": (
        "LOW_REPAYMENT_CAPACITY",
        "Little of your income is left after expenses and debt repayments to cover the repayments",
    ),
    "disposable_income": (
        "LOW_DISPOSABLE_INCOME",
        "Your income left after regular expenses is low",
    ),
    "instalment": ("HIGH_INSTALMENT", "The monthly repayment would be high"),
}
