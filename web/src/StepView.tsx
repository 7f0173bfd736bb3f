// The view of the step the shopper is on.
import { signOut as endSession } from "aws-amplify/auth";
import type { ApiError } from "./api";
import { applyRequest } from "./storage";
import { ErrorNotice, StepHeading, explain } from "./ui";
import { Profile } from "./steps/Profile";
import { Verify } from "./steps/Verify";
import { BankConsent } from "./steps/BankConsent";
import { Apply } from "./steps/Apply";
import { Approved, Declined, Referred } from "./steps/Decision";
import { Payment } from "./steps/Payment";
import type { Step } from "./flow";

export function StepView({
  step,
  checkoutId,
  shopper,
  live,
  connected,
  setStep,
  resume,
  finish,
  onError,
  onCancel,
}: {
  step: Step;
  checkoutId: string;
  shopper: string;
  live: string[];
  connected: boolean;
  setStep: (step: Step) => void;
  resume: () => Promise<void>;
  finish: () => void;
  onError: (error: ApiError) => boolean;
  onCancel: () => void;
}) {
  switch (step.kind) {
    case "loading":
      return (
        <p className="spinner" role="status">
          Loading your checkout…
        </p>
      );
    case "failed":
      return (
        <section aria-labelledby="failed-heading">
          <StepHeading id="failed-heading">We couldn't load your checkout</StepHeading>
          {step.error.errorType === "UnauthorizedException" ? (
            // A session that cannot be refreshed: the Authenticator returns on sign-out.
            <ErrorNotice
              error={explain(step.error)}
              onRetry={() => void endSession()}
              retryLabel="Sign in again"
            />
          ) : (
            <ErrorNotice error={explain(step.error)} onRetry={() => void resume()} />
          )}
        </section>
      );
    case "unavailable":
      return (
        <section aria-labelledby="unavailable-heading">
          <StepHeading id="unavailable-heading">This checkout isn't available</StepHeading>
          <p>
            It may have been completed by someone else, cancelled by the shop, or the link may be
            wrong. Return to the shop to start again.
          </p>
          <button type="button" className="button" onClick={onCancel}>
            Return to the shop
          </button>
        </section>
      );
    case "expired":
      return (
        <section aria-labelledby="expired-heading">
          <StepHeading id="expired-heading">This checkout has expired</StepHeading>
          <p>
            Checkouts stay open for an hour. Nothing has been charged. Return to the shop and
            choose “Pay later” again to start a new one.
          </p>
          <button type="button" className="button" onClick={onCancel}>
            Return to the shop
          </button>
        </section>
      );
    case "profile":
      return (
        <Profile
          onDone={(customer) =>
            customer.verificationStatus === "VERIFIED"
              ? setStep({ kind: "consent" })
              : setStep({ kind: "verify", customer })
          }
        />
      );
    case "verify":
      return <Verify customer={step.customer} onDone={() => setStep({ kind: "consent" })} />;
    case "consent":
      return <BankConsent onDone={(consentId) => setStep({ kind: "apply", consentId })} />;
    case "apply": {
      const request = applyRequest(checkoutId, shopper, step.consentId);
      return (
        <Apply
          checkoutId={checkoutId}
          consentId={request.consentId}
          idempotencyKey={request.key}
          live={live}
          onDone={(application) => setStep({ kind: "decision", application })}
          onError={onError}
        />
      );
    }
    case "decision": {
      const outcome = step.application.decision?.outcome;
      if (outcome === "APPROVED") {
        return (
          <Approved
            application={step.application}
            initialOfferId={null}
            onChoose={(offer) => setStep({ kind: "payment", application: step.application, offer })}
          />
        );
      }
      if (outcome === "REFERRED") return <Referred live={connected} />;
      return (
        <>
          <Declined application={step.application} />
          <button type="button" className="button" onClick={onCancel}>
            Return to the shop
          </button>
        </>
      );
    }
    case "payment":
      return (
        <Payment
          application={step.application}
          offer={step.offer}
          onBack={() => setStep({ kind: "decision", application: step.application })}
          onPaid={finish}
          onError={onError}
        />
      );
    case "done":
      return (
        <section aria-labelledby="done-heading">
          <StepHeading id="done-heading">Your plan is confirmed</StepHeading>
          <p role="status">{step.url ? "Taking you back to the shop…" : "You can close this page."}</p>
        </section>
      );
  }
}
