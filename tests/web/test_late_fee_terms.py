"""The checkout page states the late-fee terms before the shopper agrees (key product
information); they must be the credit policy's, which charges them."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "services" / "credit" / "policy" / "policy-v1.json"
DECISION = ROOT / "web" / "src" / "steps" / "Decision.tsx"
SHARES = {25: "a quarter", 50: "half"}


def pounds(pence: int) -> str:
    return f"£{pence // 100}" if pence % 100 == 0 else f"£{pence / 100:.2f}"


def test_the_pages_late_fee_terms_are_the_policys():
    fees = json.loads(POLICY.read_text(encoding="utf-8"))["late_fees"]
    text = " ".join(DECISION.read_text(encoding="utf-8").split())
    stated = re.search(r"If you miss a payment we charge (.*?)</p>", text)
    assert stated is not None, "the page no longer states the late-fee terms"
    terms = stated.group(1)
    assert f"a late fee of {pounds(fees['fee'])}," in terms
    days = fees["second_fee_after_days"]
    assert f"another {pounds(fees['fee'])} if it is still unpaid {days} days later" in terms
    share = SHARES[fees["max_share_of_order_percent"]]
    assert f"more than {pounds(fees['max_per_plan'])} or {share} of the order value" in terms
