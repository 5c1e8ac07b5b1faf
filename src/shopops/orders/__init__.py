"""Orders: the one order book across channels."""
