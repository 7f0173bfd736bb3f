import { useEffect, useRef, type ReactNode } from "react";
import type { ApiError } from "./api";

export function Shell({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Pay later</span>
        <nav aria-label="Checkout">{actions}</nav>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** A step's heading, which takes the focus when the step appears so a screen reader reads it. */
export function StepHeading({ children, id }: { children: ReactNode; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h2 ref={ref} id={id} tabIndex={-1} className="step-heading">
      {children}
    </h2>
  );
}

/** What an API error means to a shopper, by its errorType (docs/api.md). */
export function explain(error: ApiError): string {
  switch (error.errorType) {
    case "Network":
      return "We couldn't reach our service. Check your internet connection and try again.";
    case "UnauthorizedException":
      return "Your session has ended. Please sign in again.";
    case "Unauthorized":
      return "You are not allowed to do that with this checkout.";
    case "ValidationError":
      return error.message;
    case "NotFound":
      return "We couldn't find that. It may belong to another account.";
    case "Conflict":
      return "We are still working on your last request. Please try again in a moment.";
    case "IdempotencyKeyReused":
      return "That request was already made with different details. Please start this step again.";
    case "CheckoutExpired":
      return "This checkout has expired. Return to the shop to start again.";
    case "InvalidState":
      return error.message || "This checkout can no longer be changed.";
    case "PaymentDeclined":
      return "Your card was declined.";
    case "VerificationRequired":
      return "Please verify your email or phone before applying.";
    case "RateLimited":
      return "Too many codes were sent. Please wait before asking for another.";
    case "ChallengeExpired":
      return "That code has expired. Send a new one.";
    case "ChallengeLocked":
      return "Too many wrong codes. Send a new one.";
    case "ChallengeUsed":
      return "That code was already used. Send a new one.";
    case "DependencyFailure":
      return "One of our services did not answer. Nothing was saved; please try again.";
    default:
      return "Something went wrong on our side. Please try again.";
  }
}

export function ErrorNotice({
  error,
  onRetry,
  retryLabel = "Try again",
}: {
  error: ApiError | string;
  onRetry?: () => void;
  retryLabel?: string;
}) {
  const text = typeof error === "string" ? error : explain(error);
  // The control that failed may now be disabled: keep the keyboard where the message is.
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [text]);
  return (
    <div ref={ref} className="notice notice-error" role="alert" tabIndex={-1}>
      <p>{text}</p>
      {onRetry && (
        <button type="button" className="button button-secondary" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}
