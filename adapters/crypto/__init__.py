"""Passwords, tokens, JWT, keys, sealing, key derivation and digests."""
