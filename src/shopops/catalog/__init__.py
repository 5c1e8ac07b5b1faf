"""Catalog: categories, products (SPU) and SKUs."""
