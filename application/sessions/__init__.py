"""Signing in (password, code, link), refreshing, listing and ending sessions."""
