"""Masking of personal identity codes in text, nested payloads and log records."""

from __future__ import annotations

import io
import logging
import re
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

from finrpa.steps.masking import (
    HETU_MASK,
    PersonalIdMaskingFilter,
    hetu_check_character,
    install_log_masking,
    looks_like_personal_id,
    mask_in,
    mask_personal_ids,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Toiminimi Matti M, hetu 131052-308T.", f"Toiminimi Matti M, hetu {HETU_MASK}."),
        ("131052+308T", HETU_MASK),  # 1800s
        ("131052A308T and 131052B308T", f"{HETU_MASK} and {HETU_MASK}"),  # 2000s signs
        ("131052Y308T", HETU_MASK),  # 2023 extra 1900s sign
        ("131052a308t", HETU_MASK),  # written in lower case
        ("(131052-308T)", f"({HETU_MASK})"),
        ("131052-9993", HETU_MASK),  # temporary number 900-999
        # wrong check character, but a letter: probably a typo of a real one
        ("131052-308U", HETU_MASK),
        # wrong check digit after a letter century sign: still looks like a HETU
        ("131052A3081", HETU_MASK),
    ],
)
def test_personal_ids_are_masked(text: str, expected: str) -> None:
    assert mask_personal_ids(text) == expected
    assert "131052" not in mask_personal_ids(text)


@pytest.mark.parametrize(
    "text",
    [
        "311224-0001",  # date-and-serial document number: '-' and a wrong digit check
        "131052-3081",  # same shape: not masked, by the documented rule
        "310252-308Y",  # 31 February does not exist
        "000000X000X",  # the TEAPPSXML placeholder, already masked
        "FI2112345600000785",
        "Invoice 20240131-12345, order 4500012345",
        "x131052-308Tx",  # inside a longer token
        "1310523308T",  # no century sign
        "131052-308G",  # G is not a check character
    ],
)
def test_other_values_are_left_alone(text: str) -> None:
    assert mask_personal_ids(text) == text
    assert looks_like_personal_id(text) is False


def test_check_character_table() -> None:
    assert hetu_check_character("131052", "308") == "T"
    assert hetu_check_character("010101", "000") == "P"  # 10101000 % 31 == 22 -> P


def test_random_digit_runs_are_not_over_masked() -> None:
    digits = "".join(str((i * 7919) % 10) for i in range(5000))
    assert mask_personal_ids(digits) == digits
    phone_and_ids = "puh. 040-1234567, y-tunnus 0199920-7, viite 00000006450830029863"
    assert mask_personal_ids(phone_and_ids) == phone_and_ids


def test_teapps_placeholder_stays_and_a_real_looking_code_would_not(corpus_dir: Path) -> None:
    path = corpus_dir / "finvoice" / "anon_teapps_272_invoice.xml"
    text = path.read_text(encoding="utf-8", errors="replace")
    numbers = re.findall(r"<SOCIAL_SECURITY_NUMBER>([^<]*)<", text)
    assert "000000X000X" in numbers
    assert mask_personal_ids(text) == text
    planted = text.replace("000000X000X", "131052-308T", 1)
    masked = mask_personal_ids(planted)
    assert "131052-308T" not in masked
    assert f"<SOCIAL_SECURITY_NUMBER>{HETU_MASK}<" in masked


def test_mask_in_recurses_and_keeps_other_values() -> None:
    Pair = namedtuple("Pair", "label code")
    payload: dict[str, Any] = {
        "remittance": ["viite 1234561", "hetu 131052-308T"],
        "131052A308T": {"amount": 12, "nested": ("ok", Pair("x", "131052+308T"))},
        "flag": True,
    }
    masked = mask_in(payload)
    assert masked == {
        "remittance": ["viite 1234561", f"hetu {HETU_MASK}"],
        HETU_MASK: {"amount": 12, "nested": ("ok", Pair("x", HETU_MASK))},
        "flag": True,
    }
    assert isinstance(masked[HETU_MASK]["nested"][1], Pair)
    assert payload["remittance"][1] == "hetu 131052-308T"  # the original is not changed


def test_log_filter_masks_message_arguments_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("finrpa.test.masking")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        install_log_masking(logger)
        install_log_masking(logger)  # idempotent: one filter per handler
        assert sum(isinstance(f, PersonalIdMaskingFilter) for f in handler.filters) == 1
        child = logging.getLogger("finrpa.test.masking.child")
        child.warning("payer %s paid %d", "131052-308T", 5)
        try:
            raise ValueError("bad HETU 131052A308T")
        except ValueError:
            logger.exception("failed for %s", "131052+308T")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "131052" not in output
    assert f"WARNING payer {HETU_MASK} paid 5" in output
    assert f"ValueError: bad HETU {HETU_MASK}" in output
    assert f"ERROR failed for {HETU_MASK}" in output
