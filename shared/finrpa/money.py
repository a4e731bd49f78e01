"""Money is Decimal, built one way and rounded in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Turn a number or text (decimal point or Finnish decimal comma, spaces allowed) into Decimal.

    Floats are refused: a float has already lost the cents.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"refusing {type(value).__name__} {value!r} as money; pass str or Decimal")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:
            # 1.234,56 (thousands dot, decimal comma) or 1,234.56
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if text.startswith("+"):
            text = text[1:]
        try:
            return Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    raise TypeError(f"cannot make money of {type(value).__name__}")


def round_money(amount: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round to cents, half up, as Finnish invoices and banks do."""
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)
