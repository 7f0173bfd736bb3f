import { useState, type FormEvent } from "react";
import { ApiError, run } from "../api";
import {
  ConfirmVerificationDocument,
  StartVerificationDocument,
  type CustomerFieldsFragment,
  type StartVerificationMutation,
  type VerificationChannel,
} from "../graphql/generated/graphql";
import { time } from "../format";
import { ErrorNotice, StepHeading } from "../ui";

type Challenge = StartVerificationMutation["startVerification"];

export function Verify({
  customer,
  onDone,
}: {
  customer: CustomerFieldsFragment;
  onDone: (customer: CustomerFieldsFragment) => void;
}) {
  const [channel, setChannel] = useState<VerificationChannel>("EMAIL");
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [note, setNote] = useState<string | null>(null);

  async function send() {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const data = await run(StartVerificationDocument, { channel });
      setChallenge(data.startVerification);
    } catch (thrown) {
      const apiError = thrown as ApiError;
      setError(apiError);
      const wait = Number(apiError.errorInfo.retryAfterSeconds);
      if (apiError.errorType === "RateLimited" && wait > 0) {
        setNote(`You can ask for a new code in about ${Math.ceil(wait / 60)} minutes.`);
      }
    } finally {
      setBusy(false);
    }
  }

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!challenge) return;
    const code = String(new FormData(event.currentTarget).get("code") ?? "").trim();
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const data = await run(ConfirmVerificationDocument, {
        challengeId: challenge.challengeId,
        code,
      });
      onDone(data.confirmVerification);
    } catch (thrown) {
      const apiError = thrown as ApiError;
      setError(apiError);
      const left = apiError.errorInfo.remainingAttempts;
      if (apiError.errorType === "ValidationError" && typeof left === "number") {
        setNote(`That code is not right. ${left} ${left === 1 ? "try" : "tries"} left.`);
      }
      if (["ChallengeExpired", "ChallengeLocked", "ChallengeUsed"].includes(apiError.errorType)) {
        setChallenge(null);
      }
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="verify-heading">
      <StepHeading id="verify-heading">Verify it's you</StepHeading>
      {!challenge ? (
        <>
          <p>We'll send you a 6-digit code to confirm this device is yours.</p>
          <fieldset className="fieldset">
            <legend>Where should we send it?</legend>
            <label className="choice">
              <input
                type="radio"
                name="channel"
                value="EMAIL"
                checked={channel === "EMAIL"}
                onChange={() => setChannel("EMAIL")}
              />
              Email{customer.email ? ` (${customer.email})` : ""}
            </label>
            {customer.phone && (
              <label className="choice">
                <input
                  type="radio"
                  name="channel"
                  value="SMS"
                  checked={channel === "SMS"}
                  onChange={() => setChannel("SMS")}
                />
                Text message
              </label>
            )}
          </fieldset>
          {error && <ErrorNotice error={note ?? error} />}
          <button type="button" className="button" onClick={send} disabled={busy}>
            {busy ? "Sending…" : "Send code"}
          </button>
        </>
      ) : (
        <form onSubmit={confirm} className="form">
          <p role="status">
            We sent a code to {challenge.destinationHint}. It works until{" "}
            {time(challenge.expiresAt)}.
          </p>
          <div className="field">
            <label htmlFor="code">6-digit code</label>
            <input
              id="code"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              // The send button this replaces had the focus; the code is what comes next.
              autoFocus
              className="code-input"
            />
          </div>
          {error && <ErrorNotice error={note ?? error} />}
          <div className="actions">
            <button type="submit" className="button" disabled={busy}>
              {busy ? "Checking…" : "Verify"}
            </button>
            <button type="button" className="button button-secondary" onClick={send} disabled={busy}>
              Send a new code
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
