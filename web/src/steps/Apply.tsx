import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, run } from "../api";
import { ApplyForCreditDocument, type ApplicationFieldsFragment } from "../graphql/generated/graphql";
import { ErrorNotice, StepHeading } from "../ui";
import { ScreeningList } from "./Screening";

// Long enough to see the finished checklist before the decision replaces it.
const SHOW_RESULT_MS = 800;

export function Apply({
  checkoutId,
  consentId,
  idempotencyKey,
  live,
  onDone,
  onError,
}: {
  checkoutId: string;
  consentId: string | null;
  idempotencyKey: string;
  /** What onCheckoutUpdated has said so far, newest last. */
  live: string[];
  onDone: (application: ApplicationFieldsFragment) => void;
  onError: (error: ApiError) => boolean;
}) {
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<ApplicationFieldsFragment | null>(null);
  const started = useRef(false);

  const apply = useCallback(async () => {
    setError(null);
    try {
      const data = await run(ApplyForCreditDocument, {
        input: { checkoutId, bankConsentId: consentId, idempotencyKey },
      });
      setResult(data.applyForCredit);
      window.setTimeout(() => onDone(data.applyForCredit), SHOW_RESULT_MS);
    } catch (thrown) {
      // The page handles expiry and verification itself; anything else is retried here.
      if (!onError(thrown as ApiError)) setError(thrown as ApiError);
    }
  }, [checkoutId, consentId, idempotencyKey, onDone, onError]);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void apply();
  }, [apply]);

  return (
    <section aria-labelledby="apply-heading">
      <StepHeading id="apply-heading">Checking your application</StepHeading>
      <p>This usually takes a few seconds. Please keep this page open.</p>
      <ScreeningList steps={result?.steps ?? null} />
      <ol className="live-steps" aria-live="polite" aria-label="Updates">
        <li>Application sent</li>
        {live.map((line, index) => (
          <li key={index}>{line}</li>
        ))}
      </ol>
      {error ? (
        <ErrorNotice error={error} onRetry={() => void apply()} />
      ) : (
        <p className="spinner" role="status">
          {result ? "Checks complete." : "Checking…"}
        </p>
      )}
    </section>
  );
}
