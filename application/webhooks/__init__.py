"""Webhook subscriptions and the delivery of account events to them."""
