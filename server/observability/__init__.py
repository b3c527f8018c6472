"""Logging, metrics, request ids."""
