"""What administrators do to accounts."""
