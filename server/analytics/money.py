"""Billable amounts: hours x the effective rate, per currency, exact to the cent.

The exact value of billable seconds x hourly rate / 3600 rarely has two
decimals, so sums keep seconds x rate (exact: rates have cents) and divide by
3600 once, rounding half-up to cents at the very end. A total is therefore
rounded once, and may differ by a cent from the sum of its rounded parts.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from server.analytics.schemas import Amount

CENT = Decimal("0.01")
_SECONDS_PER_HOUR = Decimal(3600)


def as_rate(value: object) -> Decimal | None:
    """A rate read from the database (SQLite may hand back a float) in cents."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT)


def to_cents(rate_seconds: Decimal) -> Decimal:
    return (rate_seconds / _SECONDS_PER_HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


class Money:
    """The sum of billable seconds x rate, per currency."""

    def __init__(self) -> None:
        self._sums: dict[str, Decimal] = defaultdict(Decimal)

    def add(self, currency: str, rate: object, billable_seconds: int) -> None:
        price = as_rate(rate)
        if price is None or billable_seconds <= 0:
            return
        self._sums[currency] += price * billable_seconds

    def add_cents(self, currency: str, cent_seconds: int) -> None:
        """Billable seconds x rate already summed in cents (exact integers)."""
        self._sums[currency] += Decimal(cent_seconds).scaleb(-2)

    def merge(self, other: Money) -> None:
        for currency, value in other._sums.items():
            self._sums[currency] += value

    def totals(self) -> dict[str, Decimal]:
        return {c: to_cents(v) for c, v in sorted(self._sums.items())}

    def amounts(self) -> list[Amount]:
        return [Amount(currency=c, amount=f"{v:.2f}") for c, v in self.totals().items()]
