import { useState } from "react";
import { ApiError, run } from "../api";
import { GrantBankConsentDocument } from "../graphql/generated/graphql";
import { ErrorNotice, StepHeading } from "../ui";

// Account information only: enough to see income and regular outgoings.
const PERMISSIONS = [
  "ReadAccountsBasic",
  "ReadBalances",
  "ReadTransactionsBasic",
  "ReadTransactionsCredits",
  "ReadTransactionsDebits",
];

export function BankConsent({ onDone }: { onDone: (consentId: string | null) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);

  async function share() {
    setBusy(true);
    setError(null);
    try {
      const data = await run(GrantBankConsentDocument, { input: { permissions: PERMISSIONS } });
      if (data.grantBankConsent.status === "AUTHORISED") {
        onDone(data.grantBankConsent.id);
        return;
      }
      setError("Your bank did not authorise sharing. You can carry on without it.");
    } catch (thrown) {
      setError(thrown as ApiError);
    }
    setBusy(false);
  }

  return (
    <section aria-labelledby="consent-heading">
      <StepHeading id="consent-heading">Share your bank data (optional)</StepHeading>
      <p>
        Letting us read your account balances and transactions helps us
        check that the repayments are affordable. You approve it at your bank, it is read-only,
        and you can withdraw it at any time. Sharing is optional.
      </p>
      {error && <ErrorNotice error={error} />}
      <div className="actions">
        <button type="button" className="button" onClick={share} disabled={busy}>
          {busy ? "Waiting for your bank…" : "Share with my bank"}
        </button>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => onDone(null)}
          disabled={busy}
        >
          Continue without sharing
        </button>
      </div>
    </section>
  );
}
