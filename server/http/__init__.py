"""Glue between Litestar and the domain services: dependency providers and
the mapping of domain errors to JSON responses."""
