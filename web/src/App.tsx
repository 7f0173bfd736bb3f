import { Authenticator } from "@aws-amplify/ui-react";
import { CheckoutPage } from "./CheckoutPage";
import { Shell } from "./ui";

/** The checkout id of a `/checkout/:checkoutId` path, or null for any other path. */
export function checkoutIdOf(pathname: string): string | null {
  const match = /^\/checkout\/([^/]{1,128})\/?$/.exec(pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

export function App() {
  const checkoutId = checkoutIdOf(window.location.pathname);
  if (!checkoutId) {
    return (
      <Shell>
        <h1>Checkout not found</h1>
        <p>
          This address does not name a checkout. Go back to the shop and choose “Pay later” again.
        </p>
      </Shell>
    );
  }
  return (
    <Authenticator.Provider>
      <CheckoutPage checkoutId={checkoutId} />
    </Authenticator.Provider>
  );
}
