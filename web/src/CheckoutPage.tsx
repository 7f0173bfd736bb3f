import { useCallback, useEffect, useRef, useState } from "react";
import { Authenticator, useAuthenticator } from "@aws-amplify/ui-react";
import { ApiError, run, subscribe } from "./api";
import {
  CheckoutDocument,
  MeDocument,
  OnCheckoutUpdatedDocument,
} from "./graphql/generated/graphql";
import { withCheckoutId } from "./format";
import { hasApplyKey, knownCancelUrl, rememberCancelUrl } from "./storage";
import { authenticatorComponents } from "./authHeadings";
import { Shell } from "./ui";
import { isExpired, type Checkout, type Step } from "./flow";
import { OrderSummary } from "./OrderSummary";
import { StepView } from "./StepView";

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
