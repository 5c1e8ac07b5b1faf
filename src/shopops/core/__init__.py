"""Shared building blocks: money, errors, clock, unit of work."""
