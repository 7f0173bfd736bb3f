// The Authenticator's screens after the first one title themselves with <h3> or <h4>, which
// skips levels under the page's <h1> (WCAG 1.3.1, axe's heading-order). These keep its words
// at <h2>; only the screens this pool can show (no MFA, no passkeys) need them.
import { useAuthenticator } from "@aws-amplify/ui-react";

const HEADING_CLASS = "amplify-heading amplify-heading--2";

function ConfirmSignUpHeading() {
  const { codeDeliveryDetails } = useAuthenticator((context) => [context.codeDeliveryDetails]);
  const medium = codeDeliveryDetails?.DeliveryMedium;
  return (
    <h2 className={HEADING_CLASS}>
      {medium === "EMAIL" ? "We emailed you" : medium === "SMS" ? "We texted you" : "We sent you a code"}
    </h2>
  );
}

function ResetPasswordHeading() {
  return <h2 className={HEADING_CLASS}>Reset your password</h2>;
}

export const authenticatorComponents = {
  ConfirmSignUp: { Header: ConfirmSignUpHeading },
  ForgotPassword: { Header: ResetPasswordHeading },
  ConfirmResetPassword: { Header: ResetPasswordHeading },
};
