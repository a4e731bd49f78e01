"""Languages of the review app: message catalogs and locale-aware formatting (Babel).

Catalogs are JSON files in ``finrpa/web/i18n/`` (``fi.json``, ``sv.json``, ``en.json``), one flat
mapping of message key to text with ``{name}`` placeholders. JSON needs no compile step, and
tests check that every language has every key the templates and code use. A missing key falls
back to English, then to the key itself. Dates, times and money are formatted with Babel in
the user's locale and the app's time zone (Europe/Helsinki).
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import (
    NumberPattern,
    format_currency,
    format_decimal,
    get_currency_precision,
    parse_pattern,
)

from finrpa.review.accounts import LANGUAGES

CATALOG_DIR = Path(__file__).with_name("i18n")
#: Babel locale of each language: the Finnish conventions of each.
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_FI"}
_NUMBER = frozenset("0123456789")


@cache
def babel_locale(language: str) -> Locale:
    """The parsed Babel locale of a language (parsing it per call would cost more than using
    it)."""
    return Locale.parse(LOCALES[language])


@cache
def _money_shape(language: str, currency: str) -> tuple[NumberPattern, tuple[str, str],
                                                       tuple[str, str]]:
    """How the locale writes ``currency``: the number pattern and the text around the number
    (positive, negative), taken once from Babel's own formatting of 1 and -1."""
    locale = babel_locale(language)
    digits = get_currency_precision(currency)
    pattern = parse_pattern("#,##0" + ("." + "0" * digits if digits else ""))
    one = pattern.apply(Decimal(1), locale)
    positive = format_currency(Decimal(1), currency, locale=locale).partition(one)
    negative = format_currency(Decimal(-1), currency, locale=locale).partition(one)
    return pattern, (positive[0], positive[2]), (negative[0], negative[2])


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load_catalogs(folder: Path = CATALOG_DIR) -> dict[str, dict[str, str]]:
    """Every language's catalog."""
    return {language: json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
            for language in LANGUAGES}


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders of a message."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def negotiate(accept_language: str | None, default: str) -> str:
    """The best of fi/sv/en for an Accept-Language header."""
    if not accept_language:
        return default
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


@dataclass(frozen=True)
class Translator:
    """Messages and formats for one language."""

    language: str
    catalogs: dict[str, dict[str, str]]
    zone: ZoneInfo

    @property
    def locale(self) -> Locale:
        return babel_locale(self.language)

    def __call__(self, key: str, **params: Any) -> str:
        text = self.catalogs[self.language].get(key) or self.catalogs["en"].get(key) or key
        return text.format_map(_Defaulting(params)) if params else text

    def has(self, key: str) -> bool:
        return key in self.catalogs["en"]

    def label(self, prefix: str, code: str | None) -> str:
        """A translated label for a code (state, action, reason), else the code itself."""
        if code is None:
            return ""
        key = f"{prefix}.{code}"
        return self(key) if self.has(key) else code

    def money(self, amount: Decimal | None, currency: str | None) -> str:
        if amount is None:
            return ""
        if not currency:
            return format_decimal(amount, format="#,##0.00", locale=self.locale)
        pattern, positive, negative = _money_shape(self.language, currency)
        before, after = negative if amount < 0 else positive
        return before + pattern.apply(abs(amount), self.locale) + after

    def number(self, text: str | None) -> str:
        """A decimal number given as text, in the locale; other text unchanged."""
        if not text:
            return text or ""
        body = text[1:] if text[0] in "+-" else text
        if body.count(".") <= 1 and body.replace(".", "") and set(body.replace(".", "")) <= _NUMBER:
            decimals = len(body.split(".")[1]) if "." in body else 0
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            return format_decimal(Decimal(text), format=pattern, locale=self.locale)
        return text

    def day(self, value: date | datetime | None) -> str:
        """A date (a time's local date), short form."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format="short", locale=self.locale)

    def when(self, value: datetime | None) -> str:
        """A time, local, short form."""
        if value is None:
            return ""
        return format_datetime(value, format="short", tzinfo=self.zone, locale=self.locale)

    def iso_date(self, value: datetime | None) -> str:
        """The local date as YYYY-MM-DD (for date inputs and machine-readable attributes)."""
        return value.astimezone(self.zone).date().isoformat() if value else ""
