"""Tiny HTTP service used as a slipway example (standard library only)."""
