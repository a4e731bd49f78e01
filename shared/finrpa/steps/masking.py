"""Mask Finnish personal identity codes (henkilötunnus, HETU) in text, payloads and logs.

A HETU is ``DDMMYY`` + a century sign + a 3-digit individual number + a check character,
e.g. ``131052-308T``. Sole traders' invoices and remittance texts can carry one, so anything
shown to a reviewer, stored as evidence or logged passes through :func:`mask_personal_ids`.

What is masked — an 11-character token standing alone (not inside a longer word or number):

1. the shape: 6 digits, a century sign (``+``; ``-`` Y X W V U; A B C D E F), 3 digits and a
   check character from ``0123456789ABCDEFHJKLMNPRSTUVWXY`` (either case);
2. ``DDMMYY`` is a real calendar date in the century its sign gives (so ``000000X000X``, the
   already-masked placeholder of TEAPPSXML samples, and random digit runs are left alone);
3. and either the check character is right, or it is wrong but the code still looks like a
   mistyped HETU: its check character is a letter, or its century sign is not ``-``.

A wrong *digit* check character after a ``-`` is not masked: ``311224-0001`` is far more often a
date-and-serial document number than a mistyped HETU, and masking those would hide invoice
numbers from reviewers. This is the one gap, and it is deliberate.

The replacement is :data:`HETU_MASK`, ``******-****``: of the same length and shape, so a
reviewer sees that a personal identity code stood there, but it tells nothing of the birth date,
century or sex.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any, TypeVar

HETU_MASK = "******-****"
CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
_CENTURIES = {"+": 1800, "-": 1900, "A": 2000}
_CENTURIES.update(dict.fromkeys("YXWVU", 1900))
_CENTURIES.update(dict.fromkeys("BCDEF", 2000))

_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-FHJ-NPR-Y])(?![0-9A-Za-z])",
    re.IGNORECASE,
)

#: The bare shape of a candidate, without its boundaries: every string that has something to
#: mask contains it, and JSON text keeps it as it is (digits, letters and signs are not escaped).
_SHAPE = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-FHJ-NPR-Y]", re.IGNORECASE)

T = TypeVar("T")


def hetu_check_character(birth_date_digits: str, individual_number: str) -> str:
    """The check character of a HETU from its ``DDMMYY`` and ``NNN`` parts."""
    return CHECK_CHARACTERS[int(birth_date_digits + individual_number) % 31]


def _should_mask(match: re.Match[str]) -> bool:
    day, month, year, sign, number, check = match.groups()
    sign, check = sign.upper(), check.upper()
    try:
        date(_CENTURIES[sign] + int(year), int(month), int(day))
    except ValueError:
        return False
    if check == hetu_check_character(day + month + year, number):
        return True
    return check.isalpha() or sign != "-"


def looks_like_personal_id(text: str) -> bool:
    """True when ``text`` contains something :func:`mask_personal_ids` would mask."""
    return any(_should_mask(match) for match in _CANDIDATE.finditer(text))


def mask_personal_ids(text: str, replacement: str = HETU_MASK) -> str:
    """``text`` with every personal identity code replaced by ``replacement``."""
    if len(text) < 11:
        return text
    return _CANDIDATE.sub(lambda m: replacement if _should_mask(m) else m.group(0), text)


def mask_in(obj: T) -> T:
    """``obj`` with personal identity codes masked in every string inside it (a copy; ``obj``
    itself when nothing in it needs masking).

    Recurses through dicts (keys and values), lists and tuples; other values are returned as
    they are. Meant for evidence payloads before they are stored or shown.
    """
    if isinstance(obj, dict | list | tuple) and not _SHAPE.search(
            json.dumps(obj, ensure_ascii=False, default=str)):
        # One scan of the whole structure as text: nothing in it has the shape of a HETU (the
        # common case: evidence of hundreds of short strings), so nothing needs masking.
        return obj
    return _mask_any(obj)  # type: ignore[no-any-return]


def _mask_any(obj: Any) -> Any:
    if isinstance(obj, str):
        return mask_personal_ids(obj)
    if isinstance(obj, dict):
        return {_mask_any(key): _mask_any(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_mask_any(item) for item in obj]
    if isinstance(obj, tuple):
        masked = [_mask_any(item) for item in obj]
        return type(obj)(*masked) if hasattr(obj, "_fields") else tuple(masked)
    return obj


class PersonalIdMaskingFilter(logging.Filter):
    """A logging filter that masks personal identity codes in the message and traceback.

    Attach it to a *handler* (``handler.addFilter(PersonalIdMaskingFilter())``): a filter on a
    logger does not see records that propagate from its child loggers. The record's message is
    formatted once, masked, and stored with no arguments left to format.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_personal_ids(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_ids(record.stack_info)
        return True


def install_log_masking(logger: logging.Logger | None = None) -> PersonalIdMaskingFilter:
    """Add one masking filter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    masking = PersonalIdMaskingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, PersonalIdMaskingFilter) for f in handler.filters):
            handler.addFilter(masking)
    return masking
