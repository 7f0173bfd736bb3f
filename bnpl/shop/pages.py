"""The shop's pages: server-rendered HTML with one small inline style sheet and no other assets.
Every value from outside is escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

SHOP_NAME = "Sandbox Outfitters"

STYLE = """
:root { color-scheme: light; --ink: #1d2433; --muted: #4a5468; --line: #d5d9e2;
  --brand: #14532d; --brand-ink: #ffffff; --bad: #8a1c1c; --good: #14532d; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #f6f7f9; }
header, main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
header { font-weight: 700; font-size: 1.25rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: 1.25rem; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: .5rem 0; border-bottom: 1px solid var(--line); text-align: left; }
td.num, th.num { text-align: right; }
tfoot td { font-weight: 700; border-bottom: 0; }
button { font: inherit; font-weight: 700; padding: .75rem 1.25rem; border: 0; border-radius: .5rem;
  background: var(--brand); color: var(--brand-ink); cursor: pointer; width: 100%;
  margin-top: 1rem; }
button:focus-visible, a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
a { color: #1d4ed8; }
.status { font-weight: 700; }
.good { color: var(--good); } .bad { color: var(--bad); }
.muted { color: var(--muted); }
"""


@dataclass(frozen=True)
class Line:
    """A basket line: what it is, how many, the price of one in minor units."""

    sku: str
    name: str
    quantity: int
    unit_price: int


def money(minor: int, currency: str = "GBP") -> str:
    """`11399` → `£113.99` (GBP), else `113.99 EUR`."""
    amount = f"{minor // 100:,}.{minor % 100:02d}"
    return f"£{amount}" if currency == "GBP" else f"{amount} {currency}"


def page(title: str, body: str) -> str:
    """A whole document."""
    return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · {SHOP_NAME}</title>
<style>{STYLE}</style>
</head>
<body>
<header>{SHOP_NAME} <span class="muted">(demo shop)</span></header>
<main>
{body}
</main>
</body>
</html>
"""


def basket(lines: tuple[Line, ...], *, csrf_token: str) -> str:
    """The basket, with the "Pay later" form (a POST to this shop, never to the API)."""
    rows = "\n".join(
        f"<tr><td>{escape(line.name)}</td><td class=num>{line.quantity}</td>"
        f"<td class=num>{money(line.unit_price * line.quantity)}</td></tr>"
        for line in lines
    )
    total = sum(line.unit_price * line.quantity for line in lines)
    return page(
        "Your basket",
        f"""<section class="card" aria-labelledby="basket-title">
<h1 id="basket-title">Your basket</h1>
<table>
<caption class="muted">Prices include VAT</caption>
<thead><tr><th scope="col">Item</th><th scope="col" class=num>Qty</th>
<th scope="col" class=num>Price</th></tr></thead>
<tbody>
{rows}
</tbody>
<tfoot><tr><td colspan="2">Total</td><td class=num>{money(total)}</td></tr></tfoot>
</table>
<form method="post" action="/pay-later">
<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">
<button type="submit">Pay later with BNPL</button>
</form>
<p class="muted">You will be taken to our BNPL partner's secure page, then brought back here.</p>
</section>""",
    )


def outcome(title: str, message: str, *, good: bool, reference: str | None = None) -> str:
    """A page that says how an order stands (read from the API, not from the redirect)."""
    ref = (
        f'<p class="muted">Order reference: {escape(reference)}</p>'
        if reference is not None
        else ""
    )
    return page(
        title,
        f"""<section class="card" aria-labelledby="outcome-title">
<h1 id="outcome-title">{escape(title)}</h1>
<p class="status {"good" if good else "bad"}" role="status">{escape(message)}</p>
{ref}
<p><a href="/">Back to the shop</a></p>
</section>""",
    )
