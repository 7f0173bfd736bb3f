"""Customers: their profiles, what makes one valid, and where they are kept."""
