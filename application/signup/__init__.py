"""Signing up."""
