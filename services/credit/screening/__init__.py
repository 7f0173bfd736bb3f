"""The pre-screening workflow: explicit steps, run in the order of the issue's state machine.

ValidateCustomerInformation → ValidateBankStatements → ValidateFinancialStatements →
CheckExternalCreditReport → CheckInternalExposure → FraudDetection → (OngoingLoanChecks ∥
PaymentHistory) → FinalDecision; a step that fails the applicant goes to Reject.

Pure: no web, storage or AWS; the data sources are injected behind Protocols.
"""
