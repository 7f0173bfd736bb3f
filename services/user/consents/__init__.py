"""Open-banking account-information consents and the bank data read under them."""
