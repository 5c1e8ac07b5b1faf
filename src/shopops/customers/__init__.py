"""Customers: one person across stores, with the buyer id each store knows them by."""
