"""Second factors: authenticator apps (TOTP) and recovery codes."""
