import type { ApplicationFieldsFragment, StepStatus } from "../graphql/generated/graphql";

type Step = ApplicationFieldsFragment["steps"][number];

// The credit service's screening steps, in the order they run, in a shopper's words.
export const STEP_LABELS: Record<string, string> = {
  ValidateCustomerInformation: "Your details",
  ValidateBankStatements: "Your bank statements",
  ValidateFinancialStatements: "Your income and outgoings",
  CheckExternalCreditReport: "Your credit file",
  CheckInternalExposure: "What you already owe us",
  FraudDetection: "Fraud checks",
  OngoingLoanChecks: "Your other loans",
  PaymentHistory: "Your payment history",
  FinalDecision: "Our decision",
  UnderwriterReview: "Review by our team",
};

const STATUS_WORDS: Record<StepStatus, string> = {
  PASSED: "done",
  FAILED: "not met",
  SKIPPED: "not needed",
  ERROR: "could not run",
};

/** The screening checklist: every known step as pending until `steps` reports it. */
export function ScreeningList({ steps }: { steps: Step[] | null }) {
  const names = steps ? steps.map((s) => s.name) : Object.keys(STEP_LABELS).slice(0, 9);
  return (
    <ul className="screening" aria-label="Checks">
      {names.map((name) => {
        const step = steps?.find((s) => s.name === name);
        return (
          <li key={name} className={step ? `check check-${step.status.toLowerCase()}` : "check"}>
            <span>{STEP_LABELS[name] ?? name}</span>
            <span className="check-status">{step ? STATUS_WORDS[step.status] : "checking…"}</span>
          </li>
        );
      })}
    </ul>
  );
}

export function WhatWeChecked({ application }: { application: ApplicationFieldsFragment }) {
  if (application.steps.length === 0) return null;
  return (
    <details className="checked">
      <summary>What we checked</summary>
      <ScreeningList steps={application.steps} />
    </details>
  );
}
