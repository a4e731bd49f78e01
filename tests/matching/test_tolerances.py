"""Tolerance profiles: defaults, per-supplier overrides, TOML files and their errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from finrpa.errors import ConfigurationError
from finrpa.matching import Tolerances, default_profile, load_profile

from .builders import SUPPLIER


def test_defaults() -> None:
    default = default_profile().default
    assert default == Tolerances()
    assert (default.price_percent, default.price_amount, default.total_amount,
            default.quantity_percent) == (Decimal("2"), Decimal("20.00"), Decimal("0.05"), 0)
    assert default.service_units == ["h", "HUR"] and default.check_receipts
    assert default_profile().payment_lead_business_days == 3


def test_load_profile_with_supplier_override(tmp_path: Path) -> None:
    path = tmp_path / "tolerances.toml"
    path.write_text(
        'payment_lead_business_days = 5\n[default]\nprice_percent = 1.5\nprice_amount = "10"\n'
        f'[suppliers."FI{SUPPLIER.replace("-", "")}"]\nprice_percent = 5\n'
        'check_receipts = false\n',
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.payment_lead_business_days == 5
    assert profile.default.price_percent == Decimal("1.5")
    override = profile.for_supplier(SUPPLIER)  # the dashed form finds the FI form
    assert (override.price_percent, override.price_amount, override.check_receipts) == (
        Decimal(5), Decimal(10), False)
    assert profile.for_supplier("0000000-0") == profile.default
    assert profile.for_supplier(None) == profile.default


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("[default]\nprice_percent = -1\n", "default.price_percent"),
        ("[default]\nprice_persent = 2\n", "default.price_persent"),
        ('[suppliers."1234567-8"]\ncheck_receipts = "maybe"\n', "check_receipts"),
        ('[suppliers."12345678"]\n[suppliers."FI12345678"]\n', "more than once"),
        ("payment_lead_business_days = -2\n", "payment_lead_business_days"),
        ("[default\n", "not valid TOML"),
    ],
)
def test_profile_errors_name_the_file_and_field(tmp_path: Path, content: str,
                                                named: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_profile(path)
    assert str(path) in str(raised.value) and named in str(raised.value)


def test_missing_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read tolerance profile"):
        load_profile(tmp_path / "absent.toml")
