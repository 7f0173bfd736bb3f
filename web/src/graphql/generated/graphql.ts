/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Accept an offer of an APPROVED application. */
export type AcceptOfferInput = {
  /** 1 to 128 characters. */
  applicationId: string | number;
  /** 1 to 255 printable characters without spaces. The same key returns the same plan; the card is charged once. */
  idempotencyKey: string;
  /** 1 to 128 characters. */
  offerId: string | number;
  /** The payment provider's token for the card, 1 to 128 printable characters without spaces; never stored. */
  paymentMethodToken: string;
};

/** A postal address. */
export type AddressInput = {
  /** 1 to 100 characters once trimmed. */
  city: string;
  /** ISO 3166-1 alpha-2 code, e.g. GB. */
  country: string;
  /** 1 to 100 characters once trimmed. */
  line1: string;
  /** At most 100 characters; blank means none. */
  line2?: string | null | undefined;
  /** 1 to 16 characters once trimmed. */
  postcode: string;
};

/** Whether an application has been decided. */
export type ApplicationStatus =
  | 'DECIDED'
  | 'PENDING';

/** Apply for credit on a checkout. */
export type ApplyForCreditInput = {
  /** An AUTHORISED open-banking consent: its bank data joins the screening. 1 to 128 characters. */
  bankConsentId?: string | number | null | undefined;
  /** 1 to 128 characters. */
  checkoutId: string | number;
  /** 1 to 255 printable characters without spaces. The same key returns the same application; it never runs twice. */
  idempotencyKey: string;
};

/** Where a checkout is in its life. A partial refund leaves it CAPTURED (refundedAmount says how much was given back); it is REFUNDED only once everything captured was refunded. */
export type CheckoutStatus =
  | 'APPROVED'
  | 'CAPTURED'
  | 'CONFIRMED'
  | 'CREATED'
  | 'DECLINED'
  | 'EXPIRED'
  | 'REFERRED'
  | 'REFUNDED'
  | 'VOIDED';

/** Where an account-access consent is in its (OBIE) lifecycle. */
export type ConsentStatus =
  | 'AUTHORISED'
  | 'AWAITING_AUTHORISATION'
  | 'EXPIRED'
  | 'REJECTED'
  | 'REVOKED';

/** What the credit decision was. */
export type DecisionOutcome =
  | 'APPROVED'
  | 'DECLINED'
  | 'REFERRED';

/** How often a plan's instalments fall due. */
export type Frequency =
  | 'FORTNIGHTLY'
  | 'MONTHLY';

/** An open-banking consent to grant. */
export type GrantBankConsentInput = {
  /** When access ends: in the future, at most what the bank allows (365 days ahead at the sandbox bank); 90 days from now by default. */
  expiresAt?: string | null | undefined;
  /** At least one OBIE permission: ReadAccountsBasic, ReadAccountsDetail, ReadBalances, ReadTransactionsBasic, ReadTransactionsCredits, ReadTransactionsDebits, ReadTransactionsDetail. Transactions need Basic or Detail with Credits and/or Debits. */
  permissions: Array<string>;
};

/** A kind of repayment plan. */
export type PlanProduct =
  | 'MONTHLY'
  | 'PAY_IN_4';

/** Where a payment plan is in its life. */
export type PlanStatus =
  | 'ACTIVE'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'DEFAULTED';

/** The profile a signed-in shopper registers with. */
export type RegisterCustomerInput = {
  address?: AddressInput | null | undefined;
  /** The customer must be 18 to 130 years old. */
  dateOfBirth: string;
  /** 1 to 100 characters once surrounding spaces are trimmed; no control characters. */
  familyName: string;
  /** 1 to 100 characters once surrounding spaces are trimmed; no control characters. */
  givenName: string;
  /** E.164: + then the country code and number, at most 15 digits, e.g. +447700900123. */
  phone?: string | null | undefined;
};

/** How a screening step ended. */
export type StepStatus =
  | 'ERROR'
  | 'FAILED'
  | 'PASSED'
  | 'SKIPPED';

/** Where a verification code is sent. */
export type VerificationChannel =
  | 'EMAIL'
  | 'SMS';

/** Whether the customer has proved they control their phone or email. */
export type VerificationStatus =
  | 'PENDING'
  | 'UNVERIFIED'
  | 'VERIFIED';

export type CustomerFieldsFragment = { id: string, email: string | null, givenName: string | null, familyName: string | null, dateOfBirth: string | null, phone: string | null, verificationStatus: VerificationStatus };

export type ApplicationFieldsFragment = { id: string, checkoutId: string, status: ApplicationStatus, createdAt: string, decision: { outcome: DecisionOutcome, decidedAt: string, reasons: Array<{ code: string, description: string }> } | null, offers: Array<{ id: string, product: PlanProduct, instalmentCount: number, frequency: Frequency, apr: number, firstPayment: { amount: number, currency: string }, totalPayable: { amount: number, currency: string }, totalInterest: { amount: number, currency: string }, schedule: Array<{ number: number, dueDate: string, amount: { amount: number, currency: string } }> }>, steps: Array<{ name: string, status: StepStatus, durationMs: number }> };

export type CheckoutFieldsFragment = { id: string, merchantId: string, merchantReference: string, status: CheckoutStatus, customerId: string | null, expiresAt: string, createdAt: string, confirmationUrl: string | null, cancelUrl: string | null, amount: { amount: number, currency: string }, items: Array<{ sku: string, name: string, quantity: number, unitPrice: { amount: number, currency: string } }> };

export type CheckoutQueryVariables = Exact<{
  id: string | number;
}>;


export type CheckoutQuery = { checkout: { id: string, merchantId: string, merchantReference: string, status: CheckoutStatus, customerId: string | null, expiresAt: string, createdAt: string, confirmationUrl: string | null, cancelUrl: string | null, application: { id: string, checkoutId: string, status: ApplicationStatus, createdAt: string, decision: { outcome: DecisionOutcome, decidedAt: string, reasons: Array<{ code: string, description: string }> } | null, offers: Array<{ id: string, product: PlanProduct, instalmentCount: number, frequency: Frequency, apr: number, firstPayment: { amount: number, currency: string }, totalPayable: { amount: number, currency: string }, totalInterest: { amount: number, currency: string }, schedule: Array<{ number: number, dueDate: string, amount: { amount: number, currency: string } }> }>, steps: Array<{ name: string, status: StepStatus, durationMs: number }> } | null, plan: { id: string, status: PlanStatus } | null, amount: { amount: number, currency: string }, items: Array<{ sku: string, name: string, quantity: number, unitPrice: { amount: number, currency: string } }> } | null };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string | null, givenName: string | null, familyName: string | null, dateOfBirth: string | null, phone: string | null, verificationStatus: VerificationStatus } | null };

export type RegisterCustomerMutationVariables = Exact<{
  input: RegisterCustomerInput;
}>;


export type RegisterCustomerMutation = { registerCustomer: { id: string, email: string | null, givenName: string | null, familyName: string | null, dateOfBirth: string | null, phone: string | null, verificationStatus: VerificationStatus } };

export type StartVerificationMutationVariables = Exact<{
  channel: VerificationChannel;
}>;


export type StartVerificationMutation = { startVerification: { challengeId: string, channel: VerificationChannel, destinationHint: string, expiresAt: string } };

export type ConfirmVerificationMutationVariables = Exact<{
  challengeId: string | number;
  code: string;
}>;


export type ConfirmVerificationMutation = { confirmVerification: { id: string, email: string | null, givenName: string | null, familyName: string | null, dateOfBirth: string | null, phone: string | null, verificationStatus: VerificationStatus } };

export type GrantBankConsentMutationVariables = Exact<{
  input: GrantBankConsentInput;
}>;


export type GrantBankConsentMutation = { grantBankConsent: { id: string, status: ConsentStatus, permissions: Array<string>, expiresAt: string | null } };

export type ApplyForCreditMutationVariables = Exact<{
  input: ApplyForCreditInput;
}>;


export type ApplyForCreditMutation = { applyForCredit: { id: string, checkoutId: string, status: ApplicationStatus, createdAt: string, decision: { outcome: DecisionOutcome, decidedAt: string, reasons: Array<{ code: string, description: string }> } | null, offers: Array<{ id: string, product: PlanProduct, instalmentCount: number, frequency: Frequency, apr: number, firstPayment: { amount: number, currency: string }, totalPayable: { amount: number, currency: string }, totalInterest: { amount: number, currency: string }, schedule: Array<{ number: number, dueDate: string, amount: { amount: number, currency: string } }> }>, steps: Array<{ name: string, status: StepStatus, durationMs: number }> } };

export type ApplicationQueryVariables = Exact<{
  id: string | number;
}>;


export type ApplicationQuery = { application: { id: string, checkoutId: string, status: ApplicationStatus, createdAt: string, decision: { outcome: DecisionOutcome, decidedAt: string, reasons: Array<{ code: string, description: string }> } | null, offers: Array<{ id: string, product: PlanProduct, instalmentCount: number, frequency: Frequency, apr: number, firstPayment: { amount: number, currency: string }, totalPayable: { amount: number, currency: string }, totalInterest: { amount: number, currency: string }, schedule: Array<{ number: number, dueDate: string, amount: { amount: number, currency: string } }> }>, steps: Array<{ name: string, status: StepStatus, durationMs: number }> } | null };

export type AcceptOfferMutationVariables = Exact<{
  input: AcceptOfferInput;
}>;


export type AcceptOfferMutation = { acceptOffer: { id: string, checkoutId: string, status: PlanStatus, totalPayable: { amount: number, currency: string } } };

export type OnCheckoutUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type OnCheckoutUpdatedSubscription = { onCheckoutUpdated: { id: string, status: CheckoutStatus, customerId: string | null, expiresAt: string } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const CustomerFieldsFragmentDoc = new TypedDocumentString(`
    fragment CustomerFields on Customer {
  id
  email
  givenName
  familyName
  dateOfBirth
  phone
  verificationStatus
}
    `, {"fragmentName":"CustomerFields"}) as unknown as TypedDocumentString<CustomerFieldsFragment, unknown>;
export const ApplicationFieldsFragmentDoc = new TypedDocumentString(`
    fragment ApplicationFields on CreditApplication {
  id
  checkoutId
  status
  createdAt
  decision {
    outcome
    decidedAt
    reasons {
      code
      description
    }
  }
  offers {
    id
    product
    instalmentCount
    frequency
    apr
    firstPayment {
      amount
      currency
    }
    totalPayable {
      amount
      currency
    }
    totalInterest {
      amount
      currency
    }
    schedule {
      number
      dueDate
      amount {
        amount
        currency
      }
    }
  }
  steps {
    name
    status
    durationMs
  }
}
    `, {"fragmentName":"ApplicationFields"}) as unknown as TypedDocumentString<ApplicationFieldsFragment, unknown>;
export const CheckoutFieldsFragmentDoc = new TypedDocumentString(`
    fragment CheckoutFields on Checkout {
  id
  merchantId
  merchantReference
  status
  customerId
  expiresAt
  createdAt
  confirmationUrl
  cancelUrl
  amount {
    amount
    currency
  }
  items {
    sku
    name
    quantity
    unitPrice {
      amount
      currency
    }
  }
}
    `, {"fragmentName":"CheckoutFields"}) as unknown as TypedDocumentString<CheckoutFieldsFragment, unknown>;
export const CheckoutDocument = new TypedDocumentString(`
    query Checkout($id: ID!) {
  checkout(id: $id) {
    ...CheckoutFields
    application {
      ...ApplicationFields
    }
    plan {
      id
      status
    }
  }
}
    fragment ApplicationFields on CreditApplication {
  id
  checkoutId
  status
  createdAt
  decision {
    outcome
    decidedAt
    reasons {
      code
      description
    }
  }
  offers {
    id
    product
    instalmentCount
    frequency
    apr
    firstPayment {
      amount
      currency
    }
    totalPayable {
      amount
      currency
    }
    totalInterest {
      amount
      currency
    }
    schedule {
      number
      dueDate
      amount {
        amount
        currency
      }
    }
  }
  steps {
    name
    status
    durationMs
  }
}
fragment CheckoutFields on Checkout {
  id
  merchantId
  merchantReference
  status
  customerId
  expiresAt
  createdAt
  confirmationUrl
  cancelUrl
  amount {
    amount
    currency
  }
  items {
    sku
    name
    quantity
    unitPrice {
      amount
      currency
    }
  }
}`) as unknown as TypedDocumentString<CheckoutQuery, CheckoutQueryVariables>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    ...CustomerFields
  }
}
    fragment CustomerFields on Customer {
  id
  email
  givenName
  familyName
  dateOfBirth
  phone
  verificationStatus
}`) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const RegisterCustomerDocument = new TypedDocumentString(`
    mutation RegisterCustomer($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    ...CustomerFields
  }
}
    fragment CustomerFields on Customer {
  id
  email
  givenName
  familyName
  dateOfBirth
  phone
  verificationStatus
}`) as unknown as TypedDocumentString<RegisterCustomerMutation, RegisterCustomerMutationVariables>;
export const StartVerificationDocument = new TypedDocumentString(`
    mutation StartVerification($channel: VerificationChannel!) {
  startVerification(channel: $channel) {
    challengeId
    channel
    destinationHint
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<StartVerificationMutation, StartVerificationMutationVariables>;
export const ConfirmVerificationDocument = new TypedDocumentString(`
    mutation ConfirmVerification($challengeId: ID!, $code: String!) {
  confirmVerification(challengeId: $challengeId, code: $code) {
    ...CustomerFields
  }
}
    fragment CustomerFields on Customer {
  id
  email
  givenName
  familyName
  dateOfBirth
  phone
  verificationStatus
}`) as unknown as TypedDocumentString<ConfirmVerificationMutation, ConfirmVerificationMutationVariables>;
export const GrantBankConsentDocument = new TypedDocumentString(`
    mutation GrantBankConsent($input: GrantBankConsentInput!) {
  grantBankConsent(input: $input) {
    id
    status
    permissions
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<GrantBankConsentMutation, GrantBankConsentMutationVariables>;
export const ApplyForCreditDocument = new TypedDocumentString(`
    mutation ApplyForCredit($input: ApplyForCreditInput!) {
  applyForCredit(input: $input) {
    ...ApplicationFields
  }
}
    fragment ApplicationFields on CreditApplication {
  id
  checkoutId
  status
  createdAt
  decision {
    outcome
    decidedAt
    reasons {
      code
      description
    }
  }
  offers {
    id
    product
    instalmentCount
    frequency
    apr
    firstPayment {
      amount
      currency
    }
    totalPayable {
      amount
      currency
    }
    totalInterest {
      amount
      currency
    }
    schedule {
      number
      dueDate
      amount {
        amount
        currency
      }
    }
  }
  steps {
    name
    status
    durationMs
  }
}`) as unknown as TypedDocumentString<ApplyForCreditMutation, ApplyForCreditMutationVariables>;
export const ApplicationDocument = new TypedDocumentString(`
    query Application($id: ID!) {
  application(id: $id) {
    ...ApplicationFields
  }
}
    fragment ApplicationFields on CreditApplication {
  id
  checkoutId
  status
  createdAt
  decision {
    outcome
    decidedAt
    reasons {
      code
      description
    }
  }
  offers {
    id
    product
    instalmentCount
    frequency
    apr
    firstPayment {
      amount
      currency
    }
    totalPayable {
      amount
      currency
    }
    totalInterest {
      amount
      currency
    }
    schedule {
      number
      dueDate
      amount {
        amount
        currency
      }
    }
  }
  steps {
    name
    status
    durationMs
  }
}`) as unknown as TypedDocumentString<ApplicationQuery, ApplicationQueryVariables>;
export const AcceptOfferDocument = new TypedDocumentString(`
    mutation AcceptOffer($input: AcceptOfferInput!) {
  acceptOffer(input: $input) {
    id
    checkoutId
    status
    totalPayable {
      amount
      currency
    }
  }
}
    `) as unknown as TypedDocumentString<AcceptOfferMutation, AcceptOfferMutationVariables>;
export const OnCheckoutUpdatedDocument = new TypedDocumentString(`
    subscription OnCheckoutUpdated($id: ID!) {
  onCheckoutUpdated(id: $id) {
    id
    status
    customerId
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<OnCheckoutUpdatedSubscription, OnCheckoutUpdatedSubscriptionVariables>;