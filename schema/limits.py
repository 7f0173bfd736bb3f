"""The input limits the API states in its descriptions, worded once.

The services enforce these limits; `schema/` may not import them, so
`tests/unit/schema/test_input_limits.py` holds every figure stated in the generated schema equal
to the constant in the code that enforces it.
"""

from __future__ import annotations

ID_MAX_CHARS = 128
IDEMPOTENCY_KEY_MAX_CHARS = 255
PAYMENT_TOKEN_MAX_CHARS = 128
MAX_AMOUNT_MINOR_UNITS = 10_000_000
URL_MAX_CHARS = 2048
CURRENCIES = "AUD, CAD, CHF, DKK, EUR, GBP, JPY, NOK, NZD, PLN, SEK or USD"

ID = f"1 to {ID_MAX_CHARS} characters."
IDEMPOTENCY_KEY = f"1 to {IDEMPOTENCY_KEY_MAX_CHARS} printable characters without spaces."
PAYMENT_TOKEN = (
    f"The payment provider's token for the card, 1 to {PAYMENT_TOKEN_MAX_CHARS} printable "
    "characters without spaces; never stored."
)
