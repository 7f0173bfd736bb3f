"""Verifying a customer's phone or email with one-time codes."""
