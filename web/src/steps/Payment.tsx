import { useRef, useState, type FormEvent } from "react";
import { ApiError, run } from "../api";
import {
  AcceptOfferDocument,
  type AcceptOfferMutation,
  type ApplicationFieldsFragment,
} from "../graphql/generated/graphql";
import { money } from "../format";
import { acceptKey, forgetAcceptKey, pendingAccept } from "../storage";
import { ErrorNotice, StepHeading } from "../ui";
import { productName } from "./Decision";

type Offer = ApplicationFieldsFragment["offers"][number];

// The payment provider's sandbox test cards: the page only ever sends one of these tokens.
export const TEST_CARDS = [
  { token: "tok_visa", label: "Visa test card (tok_visa)" },
  { token: "tok_mastercard", label: "Mastercard test card (tok_mastercard)" },
  { token: "tok_declined", label: "Test card that is declined (tok_declined)" },
  { token: "tok_insufficient_funds", label: "Test card with insufficient funds (tok_insufficient_funds)" },
] as const;

const FAILURES: Record<string, string> = {
  card_declined: "Your bank declined the payment.",
  insufficient_funds: "The card does not have enough funds.",
};

export function Payment({
  application,
  offer,
  onBack,
  onPaid,
  onError,
}: {
  application: ApplicationFieldsFragment;
  offer: Offer;
  onBack: () => void;
  onPaid: (plan: AcceptOfferMutation["acceptOffer"]) => void;
  onError: (error: ApiError) => boolean;
}) {
  const pending = pendingAccept(application.id);
  const [token, setToken] = useState<string>(
    pending?.offerId === offer.id ? pending.token : TEST_CARDS[0].token,
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);
  // Blocks a second click that lands before React re-renders the disabled button.
  const inFlight = useRef(false);

  async function pay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    const idempotencyKey = acceptKey(application.id, offer.id, token);
    try {
      const data = await run(AcceptOfferDocument, {
        input: {
          applicationId: application.id,
          offerId: offer.id,
          paymentMethodToken: token,
          idempotencyKey,
        },
      });
      onPaid(data.acceptOffer);
      return;
    } catch (thrown) {
      const apiError = thrown as ApiError;
      if (apiError.errorType === "PaymentDeclined") {
        // That payment failed for good: another attempt is a new payment with a new key.
        forgetAcceptKey(application.id);
        const code = String(apiError.errorInfo.failureCode ?? "");
        setError(
          `${FAILURES[code] ?? "Your card was declined."} Nothing was taken. Choose another card and try again.`,
        );
      } else if (!onError(apiError)) {
        setError(apiError);
      }
    }
    inFlight.current = false;
    setBusy(false);
  }

  return (
    <section aria-labelledby="payment-heading">
      <StepHeading id="payment-heading">Pay your first instalment</StepHeading>
      <p>
        {productName(offer)}: you pay <strong>{money(offer.firstPayment)}</strong> today and{" "}
        {money(offer.totalPayable)} in total.
      </p>
      <form onSubmit={pay} className="form">
        <fieldset className="fieldset">
          <legend>Card (sandbox test cards)</legend>
          {TEST_CARDS.map((card) => (
            <label key={card.token} className="choice">
              <input
                type="radio"
                name="card"
                value={card.token}
                checked={token === card.token}
                onChange={() => setToken(card.token)}
                disabled={busy}
              />
              {card.label}
            </label>
          ))}
        </fieldset>
        <p className="hint">
          Your card details stay with the payment provider: we only receive a token for the card.
        </p>
        {error && <ErrorNotice error={error} />}
        <div className="actions">
          <button type="submit" className="button" disabled={busy} aria-disabled={busy}>
            {busy ? "Paying…" : `Pay ${money(offer.firstPayment)}`}
          </button>
          <button type="button" className="button button-secondary" onClick={onBack} disabled={busy}>
            Change plan
          </button>
        </div>
      </form>
    </section>
  );
}
