import { useCallback, useEffect, useRef, useState } from "react";
import { Authenticator, useAuthenticator } from "@aws-amplify/ui-react";
import { signOut as endSession } from "aws-amplify/auth";
import { ApiError, run, subscribe } from "./api";
import {
  CheckoutDocument,
  MeDocument,
  OnCheckoutUpdatedDocument,
  type ApplicationFieldsFragment,
  type CheckoutQuery,
  type CustomerFieldsFragment,
} from "./graphql/generated/graphql";
import { day, money, time, withCheckoutId } from "./format";
import { applyRequest, hasApplyKey, knownCancelUrl, rememberCancelUrl } from "./storage";
import { authenticatorComponents } from "./authHeadings";
import { ErrorNotice, Shell, StepHeading, explain } from "./ui";
import { Profile } from "./steps/Profile";
import { Verify } from "./steps/Verify";
import { BankConsent } from "./steps/BankConsent";
import { Apply } from "./steps/Apply";
import { Approved, Declined, Referred } from "./steps/Decision";
import { Payment } from "./steps/Payment";

type Checkout = NonNullable<CheckoutQuery["checkout"]>;
type Offer = ApplicationFieldsFragment["offers"][number];
type Step =
  | { kind: "loading" }
  | { kind: "failed"; error: ApiError }
  | { kind: "unavailable" }
  | { kind: "expired" }
  | { kind: "profile" }
  | { kind: "verify"; customer: CustomerFieldsFragment }
  | { kind: "consent" }
  | { kind: "apply"; consentId: string | null }
  | { kind: "decision"; application: ApplicationFieldsFragment }
  | { kind: "payment"; application: ApplicationFieldsFragment; offer: Offer }
  | { kind: "done"; url: string | null };

const POLL_MS = 5000;
const STATUS_WORDS: Record<string, string> = {
  CREATED: "Checkout opened",
  APPROVED: "Decision: approved",
  DECLINED: "Decision: declined",
  REFERRED: "Decision: referred for review",
  CONFIRMED: "Plan confirmed",
  EXPIRED: "Checkout expired",
};

function urlOf(checkout: Checkout | null, field: "confirmationUrl" | "cancelUrl"): string | null {
  return checkout?.[field] || null;
}

function isExpired(checkout: Checkout): boolean {
  return checkout.status === "EXPIRED" || Date.parse(checkout.expiresAt) <= Date.now();
}

export function CheckoutPage({ checkoutId }: { checkoutId: string }) {
  const { authStatus, user, signOut } = useAuthenticator((context) => [
    context.authStatus,
    context.user,
  ]);
  const [checkout, setCheckout] = useState<Checkout | null>(null);

  const cancelUrl = urlOf(checkout, "cancelUrl") ?? knownCancelUrl(checkoutId);
  const cancel = () => {
    if (cancelUrl) window.location.assign(withCheckoutId(cancelUrl, checkoutId));
    else window.history.back();
  };
  const actions = (
    <>
      <button type="button" className="link-button" onClick={cancel}>
        Cancel and return to the shop
      </button>
      {authStatus === "authenticated" && (
        <button type="button" className="link-button" onClick={signOut}>
          Sign out
        </button>
      )}
    </>
  );

  if (authStatus !== "authenticated") {
    return (
      <Shell actions={actions}>
        <h1>Pay later</h1>
        <p>Sign in, or create an account with your email address, to spread the cost of your order.</p>
        {authStatus === "configuring" ? (
          <p role="status">Loading…</p>
        ) : (
          <Authenticator
            loginMechanisms={["email"]}
            signUpAttributes={[]}
            components={authenticatorComponents}
          />
        )}
      </Shell>
    );
  }
  return (
    <Shell actions={actions}>
      <h1 className="visually-hidden">Pay later checkout</h1>
      <Flow
        key={user?.userId}
        checkoutId={checkoutId}
        shopper={user?.userId ?? "shopper"}
        checkout={checkout}
        setCheckout={setCheckout}
        onCancel={cancel}
      />
    </Shell>
  );
}

function Flow({
  checkoutId,
  shopper,
  checkout,
  setCheckout,
  onCancel,
}: {
  checkoutId: string;
  shopper: string;
  checkout: Checkout | null;
  setCheckout: (checkout: Checkout | null) => void;
  onCancel: () => void;
}) {
  const [step, setStep] = useState<Step>({ kind: "loading" });
  const [live, setLive] = useState<string[]>([]);
  const [connected, setConnected] = useState(true);
  const [online, setOnline] = useState(navigator.onLine);
  const stepRef = useRef(step);
  stepRef.current = step;
  const checkoutRef = useRef(checkout);
  checkoutRef.current = checkout;

  const finish = useCallback(
    (current: Checkout | null) => {
      const url = urlOf(current, "confirmationUrl");
      setStep({ kind: "done", url });
      if (url) window.location.assign(withCheckoutId(url, checkoutId));
    },
    [checkoutId],
  );

  /** Where the shopper stands, from the checkout and their profile. */
  const resume = useCallback(async () => {
    setStep({ kind: "loading" });
    try {
      const { checkout: found } = await run(CheckoutDocument, { id: checkoutId });
      setCheckout(found);
      if (!found) return setStep({ kind: "unavailable" });
      rememberCancelUrl(checkoutId, urlOf(found, "cancelUrl"));
      if (found.plan || ["CONFIRMED", "CAPTURED"].includes(found.status)) return finish(found);
      if (["VOIDED", "REFUNDED"].includes(found.status)) return setStep({ kind: "unavailable" });
      if (isExpired(found)) return setStep({ kind: "expired" });
      const application = found.application;
      if (application?.decision) return setStep({ kind: "decision", application });
      const { me } = await run(MeDocument, {});
      if (!me) return setStep({ kind: "profile" });
      if (me.verificationStatus !== "VERIFIED") return setStep({ kind: "verify", customer: me });
      // An application already sent (a reload mid-way) is repeated with its key, not re-run.
      if (application || hasApplyKey(checkoutId, shopper)) {
        return setStep({ kind: "apply", consentId: null });
      }
      setStep({ kind: "consent" });
    } catch (thrown) {
      setStep({ kind: "failed", error: thrown as ApiError });
    }
  }, [checkoutId, shopper, setCheckout, finish]);

  useEffect(() => {
    void resume();
  }, [resume]);

  // Errors any step may meet that move the whole page: expiry, a lost session, verification.
  const onError = useCallback(
    (error: ApiError): boolean => {
      if (error.errorType === "CheckoutExpired") {
        setStep({ kind: "expired" });
        return true;
      }
      if (error.errorType === "VerificationRequired") {
        void resume();
        return true;
      }
      return false;
    },
    [resume],
  );

  // Live updates over AppSync real-time; a dropped socket is retried, with polling meanwhile.
  useEffect(() => {
    let closed = false;
    let retry: number | undefined;
    let subscription: { unsubscribe(): void } | null = null;
    const open = () => {
      subscription = subscribe(
        OnCheckoutUpdatedDocument,
        { id: checkoutId },
        ({ onCheckoutUpdated }) => {
          if (!onCheckoutUpdated) return;
          setConnected(true);
          const words = STATUS_WORDS[onCheckoutUpdated.status] ?? onCheckoutUpdated.status;
          setLive((lines) => [...lines, words]);
          void onUpdate(onCheckoutUpdated.status);
        },
        () => {
          if (closed) return;
          setConnected(false);
          retry = window.setTimeout(open, 3000);
        },
      );
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      subscription?.unsubscribe();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkoutId]);

  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);

  /** A referred shopper's page moves on when the decision arrives. */
  async function onUpdate(status: string) {
    const current = stepRef.current;
    if (status === "EXPIRED" && current.kind !== "done") return setStep({ kind: "expired" });
    if (current.kind !== "decision" || current.application.decision?.outcome !== "REFERRED") return;
    if (status === "APPROVED" || status === "DECLINED") await refreshDecision();
  }

  async function refreshDecision() {
    try {
      const { checkout: found } = await run(CheckoutDocument, { id: checkoutId });
      if (!found) return;
      setCheckout(found);
      const application = found.application;
      const before = stepRef.current;
      if (
        application?.decision &&
        before.kind === "decision" &&
        application.decision.outcome !== before.application.decision?.outcome
      ) {
        setStep({ kind: "decision", application });
      }
    } catch {
      // The next poll tries again.
    }
  }

  // The polling fallback while referred: the subscription may have missed the decision.
  const waiting = step.kind === "decision" && step.application.decision?.outcome === "REFERRED";
  useEffect(() => {
    if (!waiting) return;
    const timer = window.setInterval(() => void refreshDecision(), POLL_MS);
    return () => window.clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [waiting]);

  const banner = !online ? (
    <div className="notice notice-warning" role="status">
      You're offline. We'll carry on when your connection is back.
    </div>
  ) : !connected ? (
    <div className="notice notice-warning" role="status">
      Live updates were interrupted. Reconnecting; we'll keep checking in the meantime.
    </div>
  ) : null;

  return (
    <div className="layout">
      <div className="flow">
        {banner}
        <StepView
          step={step}
          checkoutId={checkoutId}
          shopper={shopper}
          live={live}
          connected={connected && online}
          setStep={setStep}
          resume={resume}
          finish={() => finish(checkoutRef.current)}
          onError={onError}
          onCancel={onCancel}
        />
      </div>
      {checkout && <OrderSummary checkout={checkout} expired={step.kind === "expired"} />}
    </div>
  );
}

function StepView({
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

function OrderSummary({ checkout, expired }: { checkout: Checkout; expired: boolean }) {
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
