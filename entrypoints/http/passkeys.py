"""Passkeys over HTTP: registration, the list, and signing in with one."""
