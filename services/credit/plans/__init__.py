"""Payment plans: accepting an offer, paying instalments, refunds against a plan, late fees;
their storage and HTTP face."""
