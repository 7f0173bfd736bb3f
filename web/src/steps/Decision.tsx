import { useState } from "react";
import type { ApplicationFieldsFragment } from "../graphql/generated/graphql";
import { day, money } from "../format";
import { StepHeading } from "../ui";
import { WhatWeChecked } from "./Screening";

type Offer = ApplicationFieldsFragment["offers"][number];

export function productName(offer: Offer): string {
  if (offer.product === "PAY_IN_4") return "Pay in 4";
  const every = offer.frequency === "MONTHLY" ? "monthly" : "fortnightly";
  return `${offer.instalmentCount} ${every} payments`;
}

/** The credit policy's late-fee terms (services/credit/policy): £6, another £6 after 7 days,
 * capped at £24 or a quarter of the order, whichever is less. */
export function LateFees({ currency }: { currency: string }) {
  if (currency !== "GBP") {
    return <p>If you miss a payment we may charge a late fee. The total is capped.</p>;
  }
  return (
    <p>
      If you miss a payment we charge a late fee of £6, and another £6 if it is still unpaid 7
      days later. Late fees on this plan will never add up to more than £24 or a quarter of the
      order value, whichever is less. Missing payments can make it harder to get credit.
    </p>
  );
}

export function CreditReferenceStatement() {
  return (
    <p className="cra">
      <strong>Credit reference agencies:</strong> we checked your credit file with a credit
      reference agency to make this decision, and the agency records that search on your file. If you take this credit, we will report it and how you repay it to credit
      reference agencies, and missed payments may affect your ability to get credit in future.
    </p>
  );
}

export function OfferDetails({ offer, idPrefix }: { offer: Offer; idPrefix: string }) {
  return (
    <div className="offer-details">
      <dl className="facts">
        <div>
          <dt>Pay today</dt>
          <dd>{money(offer.firstPayment)}</dd>
        </div>
        <div>
          <dt>Interest rate (APR)</dt>
          <dd>{offer.apr.toFixed(1)}%</dd>
        </div>
        <div>
          <dt>Total interest</dt>
          <dd>{money(offer.totalInterest)}</dd>
        </div>
        <div>
          <dt>Total payable</dt>
          <dd>{money(offer.totalPayable)}</dd>
        </div>
      </dl>
      <table className="schedule" aria-describedby={`${idPrefix}-caption`}>
        <caption id={`${idPrefix}-caption`}>Repayment schedule</caption>
        <thead>
          <tr>
            <th scope="col">Payment</th>
            <th scope="col">Due</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {offer.schedule.map((payment) => (
            <tr key={payment.number}>
              <td>{payment.number}</td>
              <td>{payment.number === 1 ? "Today" : day(payment.dueDate)}</td>
              <td>{money(payment.amount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LateFees currency={offer.totalPayable.currency} />
    </div>
  );
}

export function Approved({
  application,
  initialOfferId,
  onChoose,
}: {
  application: ApplicationFieldsFragment;
  initialOfferId: string | null;
  onChoose: (offer: Offer) => void;
}) {
  const offers = application.offers;
  const [chosen, setChosen] = useState<string>(initialOfferId ?? offers[0]?.id ?? "");
  const offer = offers.find((o) => o.id === chosen);
  return (
    <section aria-labelledby="approved-heading">
      <StepHeading id="approved-heading">You're approved: choose how to pay</StepHeading>
      <p>Read the key information for each plan before you choose.</p>
      <fieldset className="fieldset offers">
        <legend>Payment plans</legend>
        {offers.map((o) => (
          <div key={o.id} className={`offer ${o.id === chosen ? "offer-chosen" : ""}`}>
            <label className="choice offer-title">
              <input
                type="radio"
                name="offer"
                value={o.id}
                checked={o.id === chosen}
                onChange={() => setChosen(o.id)}
              />
              <span>
                <strong>{productName(o)}</strong> of{" "}
                {money(o.schedule[1]?.amount ?? o.firstPayment)}
                {" · "}
                {o.apr === 0 ? "interest-free" : `${o.apr.toFixed(1)}% APR`}
              </span>
            </label>
            <OfferDetails offer={o} idPrefix={`offer-${o.id}`} />
          </div>
        ))}
      </fieldset>
      <CreditReferenceStatement />
      <WhatWeChecked application={application} />
      <button type="button" className="button" disabled={!offer} onClick={() => offer && onChoose(offer)}>
        Continue to payment
      </button>
    </section>
  );
}

export function Referred({ live }: { live: boolean }) {
  return (
    <section aria-labelledby="referred-heading">
      <StepHeading id="referred-heading">We're taking a closer look</StepHeading>
      <p>
        We need a person on our underwriting team to review your application. This usually takes a
        few minutes during working hours. Nothing has been charged.
      </p>
      <p>
        You can keep this page open: it updates by itself as soon as there is a decision. You can
        also close it and return to the shop; your basket is kept until the checkout expires.
      </p>
      <p className="spinner" role="status" aria-live="polite">
        {live ? "Waiting for the decision…" : "Waiting for the decision (checking every few seconds)…"}
      </p>
    </section>
  );
}

export function Declined({ application }: { application: ApplicationFieldsFragment }) {
  const reasons = application.decision?.reasons ?? [];
  return (
    <section aria-labelledby="declined-heading">
      <StepHeading id="declined-heading">We can't offer you credit for this order</StepHeading>
      <p>We're sorry. Nothing has been charged. Here is why:</p>
      <ul className="reasons">
        {reasons.map((reason) => (
          <li key={reason.code}>{reason.description}</li>
        ))}
      </ul>
      <h3>What you can do next</h3>
      <ul>
        <li>Return to the shop and pay another way.</li>
        <li>
          If our decision used information from a credit reference agency, you can ask us which
          agency it was and get a free copy of your credit report from them to check it is right.
        </li>
        <li>
          If you think we got something wrong, contact us and ask for the decision to be looked at
          again.
        </li>
        <li>
          If you're worried about money, free and confidential help is available from MoneyHelper
          (moneyhelper.org.uk) and StepChange (stepchange.org).
        </li>
      </ul>
      <WhatWeChecked application={application} />
    </section>
  );
}
