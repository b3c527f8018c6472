"""Customers: who the work is for, in which currency, at which hourly rate."""
