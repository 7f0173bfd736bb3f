// What the checkout flow is made of: the checkout as the API answers it, and the step the
// shopper is on.
import type { ApiError } from "./api";
import type {
  ApplicationFieldsFragment,
  CheckoutQuery,
  CustomerFieldsFragment,
} from "./graphql/generated/graphql";

export type Checkout = NonNullable<CheckoutQuery["checkout"]>;
export type Offer = ApplicationFieldsFragment["offers"][number];
export type Step =
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

export function isExpired(checkout: Checkout): boolean {
  return checkout.status === "EXPIRED" || Date.parse(checkout.expiresAt) <= Date.now();
}
