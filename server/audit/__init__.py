"""Audit trail of security-relevant actions."""

from server.audit.service import record, record_by

__all__ = ["record", "record_by"]
