"""Proving an address (verification) and moving an account to another one."""
