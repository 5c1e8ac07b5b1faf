"""Accounts: users, API tokens, authentication."""
