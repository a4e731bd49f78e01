"""Tolerance profiles: how far an invoice may differ from its order before a person looks.

A profile has default tolerances and per-supplier overrides (only the fields given), keyed by
the supplier's business ID in any common form (``1234567-8``, ``FI12345678``)::

    payment_lead_business_days = 3

    [default]
    price_percent = 2          # unit price may be this many percent above the order's ...
    price_amount = "20.00"     # ... and the line (price difference × quantity) this much above
    total_amount = "0.05"      # header totals against the sum of the lines
    quantity_percent = 0       # over-delivery allowance on the ordered quantity
    service_units = ["h", "HUR"]
    check_receipts = true      # three-way match for goods lines

    [suppliers."1234567-8"]
    price_percent = 5

Numbers may be written as TOML numbers or strings; they are read as ``Decimal``.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from finrpa.errors import ConfigurationError
from finrpa.matching._records import DEFAULT_SERVICE_UNITS, OrderLine
from finrpa.matching._values import business_key

_CONFIG = ConfigDict(frozen=True, extra="forbid")


class Tolerances(BaseModel):
    """The limits applied to one supplier's invoices."""

    model_config = _CONFIG

    price_percent: Decimal = Field(default=Decimal("2"), ge=0)
    price_amount: Decimal = Field(default=Decimal("20.00"), ge=0)
    total_amount: Decimal = Field(default=Decimal("0.05"), ge=0)
    quantity_percent: Decimal = Field(default=Decimal("0"), ge=0)
    service_units: list[str] = Field(default_factory=lambda: list(DEFAULT_SERVICE_UNITS))
    check_receipts: bool = True

    @cached_property
    def _service_keys(self) -> frozenset[str]:
        return frozenset(unit.strip().casefold() for unit in self.service_units)

    @cached_property
    def _service_by_unit(self) -> dict[str, bool]:
        return {}  # filled as units are met: an order book has a handful of them

    def is_service(self, line: OrderLine) -> bool:
        """True for a service line: its own ``service`` flag, else its unit (any case)."""
        if line.service is not None:
            return line.service
        known = self._service_by_unit.get(line.unit)
        if known is None:
            known = line.unit.strip().casefold() in self._service_keys
            self._service_by_unit[line.unit] = known
        return known

    @cached_property
    def _evidence(self) -> dict[str, str]:
        return {"price_percent": str(self.price_percent), "price_amount": str(self.price_amount),
                "quantity_percent": str(self.quantity_percent)}

    def evidence(self) -> dict[str, str]:
        """The line tolerances as JSON-ready evidence (a fresh dict)."""
        return dict(self._evidence)


class ToleranceOverride(BaseModel):
    """Per-supplier changes to the default tolerances: only the fields given apply."""

    model_config = _CONFIG

    price_percent: Decimal | None = Field(default=None, ge=0)
    price_amount: Decimal | None = Field(default=None, ge=0)
    total_amount: Decimal | None = Field(default=None, ge=0)
    quantity_percent: Decimal | None = Field(default=None, ge=0)
    service_units: list[str] | None = None
    check_receipts: bool | None = None


class ToleranceProfile(BaseModel):
    """Default tolerances, per-supplier overrides and the review lead time."""

    model_config = _CONFIG

    default: Tolerances = Field(default_factory=Tolerances)
    suppliers: dict[str, ToleranceOverride] = Field(default_factory=dict)
    payment_lead_business_days: int = Field(default=3, ge=0)
    _resolved: dict[str | None, Tolerances] = PrivateAttr(default_factory=dict)

    @field_validator("suppliers")
    @classmethod
    def _normalise_supplier_keys(
        cls, suppliers: dict[str, ToleranceOverride]
    ) -> dict[str, ToleranceOverride]:
        normalised: dict[str, ToleranceOverride] = {}
        for business_id, override in suppliers.items():
            key = business_key(business_id)
            if key is None:
                raise ValueError(f"supplier key {business_id!r} is empty")
            if key in normalised:
                raise ValueError(f"supplier {business_id!r} is listed more than once")
            normalised[key] = override
        return normalised

    def for_supplier(self, business_id: str | None) -> Tolerances:
        """The supplier's tolerances: the defaults with its override applied."""
        key = business_key(business_id)
        # Through __pydantic_private__: plain ``self._resolved`` first fails the normal lookup
        # and raises inside pydantic (about 4 µs, once per invoice matched).
        private = self.__pydantic_private__
        assert private is not None  # the model has a private attribute
        resolved: dict[str | None, Tolerances] = private["_resolved"]
        found = resolved.get(key)
        if found is None:
            override = self.suppliers.get(key) if key is not None else None
            found = self.default
            if override is not None:
                changes = override.model_dump(exclude_none=True)
                found = Tolerances.model_validate({**self.default.model_dump(), **changes})
            resolved[key] = found
        return found


def default_profile() -> ToleranceProfile:
    """The built-in profile: 2 % or 20.00 per line on price, 0.05 on totals, no over-delivery."""
    return ToleranceProfile()


def load_profile(path: Path) -> ToleranceProfile:
    """Read a TOML profile; any problem is a ConfigurationError naming the file and the field."""
    try:
        with Path(path).open("rb") as file:
            data = tomllib.load(file, parse_float=Decimal)
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read tolerance profile: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML: {exc}") from exc
    return parse_profile(data, str(path))


def parse_profile(data: dict[str, Any], source: str = "<profile>") -> ToleranceProfile:
    """A profile from already-parsed TOML data; errors name ``source`` and the field."""
    try:
        return ToleranceProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'profile'}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"{source}: invalid tolerance profile: {problems}") from exc
