"""Accounts: registration, sign-in, passwords, e-mail tokens and their administration."""
