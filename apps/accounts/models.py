"""Accounts keep no tables of their own: users and groups are Django's."""
