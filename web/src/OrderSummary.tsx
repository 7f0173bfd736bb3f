// The order beside every step: what is being paid for, and until when.
import { day, money, time } from "./format";
import { isExpired, type Checkout } from "./flow";

export function OrderSummary({ checkout, expired }: { checkout: Checkout; expired: boolean }) {
  return (
    <aside className="summary" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Your order</h2>
      <p className="muted">
        {checkout.merchantId} · order {checkout.merchantReference}
      </p>
      <ul className="items">
        {checkout.items.map((item) => (
          <li key={item.sku}>
            <span>
              {item.quantity} × {item.name}
            </span>
            <span>{money({ amount: item.unitPrice.amount * item.quantity, currency: item.unitPrice.currency })}</span>
          </li>
        ))}
      </ul>
      <p className="total">
        <span>Total</span>
        <span>{money(checkout.amount)}</span>
      </p>
      <p className="muted">
        {expired || isExpired(checkout)
          ? "This checkout has expired."
          : `Open until ${time(checkout.expiresAt)} on ${day(checkout.expiresAt.slice(0, 10))}`}
      </p>
    </aside>
  );
}
