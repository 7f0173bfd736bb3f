"""What each pre-screening check computes from its data: bureau, bank cash flow, exposure,
fraud, affordability. Pure."""
