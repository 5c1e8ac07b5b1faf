"""Inventory: warehouses, the stock ledger and balances."""
