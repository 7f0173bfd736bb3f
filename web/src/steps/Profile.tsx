import { useState, type FormEvent } from "react";
import { ApiError, run } from "../api";
import { RegisterCustomerDocument, type CustomerFieldsFragment } from "../graphql/generated/graphql";
import { ErrorNotice, StepHeading } from "../ui";

export function Profile({ onDone }: { onDone: (customer: CustomerFieldsFragment) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    setBusy(true);
    setError(null);
    try {
      const phone = text("phone");
      const data = await run(RegisterCustomerDocument, {
        input: {
          givenName: text("givenName"),
          familyName: text("familyName"),
          dateOfBirth: text("dateOfBirth"),
          phone: phone || null,
          address: {
            line1: text("line1"),
            line2: text("line2") || null,
            city: text("city"),
            postcode: text("postcode"),
            country: text("country"),
          },
        },
      });
      onDone(data.registerCustomer);
    } catch (thrown) {
      setError(thrown as ApiError);
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="profile-heading">
      <StepHeading id="profile-heading">Your details</StepHeading>
      <p>We need these to check that this credit is right for you.</p>
      <form onSubmit={submit} className="form">
        <div className="field-row">
          <Field name="givenName" label="First name" autoComplete="given-name" required />
          <Field name="familyName" label="Last name" autoComplete="family-name" required />
        </div>
        <Field
          name="dateOfBirth"
          label="Date of birth"
          type="date"
          autoComplete="bday"
          hint="You must be 18 or over."
          required
        />
        <Field
          name="phone"
          label="Mobile number (optional)"
          type="tel"
          autoComplete="tel"
          hint="International format, for example +447700900123."
          pattern="\+[1-9][0-9]{6,14}"
        />
        <fieldset className="fieldset">
          <legend>Home address</legend>
          <Field name="line1" label="Address line 1" autoComplete="address-line1" required />
          <Field name="line2" label="Address line 2 (optional)" autoComplete="address-line2" />
          <div className="field-row">
            <Field name="city" label="Town or city" autoComplete="address-level2" required />
            <Field name="postcode" label="Postcode" autoComplete="postal-code" required />
          </div>
          <div className="field">
            <label htmlFor="country">Country</label>
            <select id="country" name="country" autoComplete="country" defaultValue="GB">
              <option value="GB">United Kingdom</option>
              <option value="IE">Ireland</option>
              <option value="US">United States</option>
            </select>
          </div>
        </fieldset>
        {error && <ErrorNotice error={error} />}
        <button type="submit" className="button" disabled={busy}>
          {busy ? "Saving…" : "Continue"}
        </button>
      </form>
    </section>
  );
}

interface FieldProps {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  hint?: string;
  required?: boolean;
  pattern?: string;
  inputMode?: "numeric" | "text";
  maxLength?: number;
}

export function Field({ name, label, type = "text", hint, ...rest }: FieldProps) {
  const hintId = hint ? `${name}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      <input id={name} name={name} type={type} aria-describedby={hintId} {...rest} />
    </div>
  );
}
