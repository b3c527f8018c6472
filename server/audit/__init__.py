"""Audit trail of security-relevant actions."""

from server.audit.service import record

__all__ = ["record"]
