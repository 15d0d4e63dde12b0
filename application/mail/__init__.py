"""Email requests, outbox delivery, suppressions and bounces."""
