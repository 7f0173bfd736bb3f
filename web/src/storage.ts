import { randomKey } from "./format";

// Idempotency keys live in sessionStorage so a reload (same tab) repeats a request with the same
// key and the API answers the first result instead of acting twice.

const prefix = "bnpl:";

interface ApplyRequest {
  key: string;
  consentId: string | null;
}

/** The application to send: the one already sent from this tab if any (same key and same
 * consent, which a repeat must carry unchanged), else a new one, stored before it is sent. */
export function applyRequest(
  checkoutId: string,
  shopper: string,
  consentId: string | null,
): ApplyRequest {
  const name = `${prefix}apply:${checkoutId}:${shopper}`;
  const stored = sessionStorage.getItem(name);
  if (stored) return JSON.parse(stored) as ApplyRequest;
  const request: ApplyRequest = { key: randomKey("apply"), consentId };
  sessionStorage.setItem(name, JSON.stringify(request));
  return request;
}

export function hasApplyKey(checkoutId: string, shopper: string): boolean {
  return sessionStorage.getItem(`${prefix}apply:${checkoutId}:${shopper}`) !== null;
}

interface AcceptAttempt {
  key: string;
  offerId: string;
  token: string;
}

/** The key for accepting `offerId` with `token`: the same while that choice stands. */
export function acceptKey(applicationId: string, offerId: string, token: string): string {
  const name = `${prefix}accept:${applicationId}`;
  const stored = sessionStorage.getItem(name);
  if (stored) {
    const attempt = JSON.parse(stored) as AcceptAttempt;
    if (attempt.offerId === offerId && attempt.token === token) return attempt.key;
  }
  const attempt: AcceptAttempt = { key: randomKey("accept"), offerId, token };
  // Written before the call, so a reload during it reuses the key.
  sessionStorage.setItem(name, JSON.stringify(attempt));
  return attempt.key;
}

/** After a declined card, the next attempt is a new payment and needs a new key. */
export function forgetAcceptKey(applicationId: string): void {
  sessionStorage.removeItem(`${prefix}accept:${applicationId}`);
}

export function pendingAccept(applicationId: string): AcceptAttempt | null {
  const stored = sessionStorage.getItem(`${prefix}accept:${applicationId}`);
  return stored ? (JSON.parse(stored) as AcceptAttempt) : null;
}

export function rememberCancelUrl(checkoutId: string, url: string | null | undefined): void {
  if (url) sessionStorage.setItem(`${prefix}cancel:${checkoutId}`, url);
}

export function knownCancelUrl(checkoutId: string): string | null {
  return sessionStorage.getItem(`${prefix}cancel:${checkoutId}`);
}
