"""Changing a password, and resetting a forgotten one."""
