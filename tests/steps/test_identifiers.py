"""Identifier validators against the corpus vectors, the bank-code list and generated values."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finrpa.steps import identifiers as ids
from finrpa.steps.fi_banks import all_codes, bank_for_code
from finrpa.steps.identifiers import InvalidIdentifier, ReferenceScheme
from finrpa.steps.masking import looks_like_personal_id

# --- corpus vectors ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vectors(corpus_dir: Path) -> dict[str, Any]:
    with (corpus_dir / "checkdigits" / "finnish_checkdigit_vectors.json").open(
        encoding="utf-8"
    ) as f:
        data: dict[str, Any] = json.load(f)
    return data


VALIDATORS = {
    "fi_national_reference": ids.is_valid_national_reference,
    "rf_creditor_reference_iso11649": ids.is_valid_rf_reference,
    "fi_business_id_ytunnus": ids.is_valid_business_id,
    "fi_vat_alv": ids.is_valid_vat_id,
    "iban_fi": ids.is_valid_iban,
}


@pytest.mark.parametrize("section", sorted(VALIDATORS))
def test_every_vector_agrees_with_its_validator(vectors: dict[str, Any], section: str) -> None:
    cases = vectors[section]
    assert len(cases) >= 5
    wrong = [c for c in cases if VALIDATORS[section](c["value"]) is not c["valid"]]
    assert wrong == []


def test_national_reference_vectors_with_correct_checksum_but_short(
    vectors: dict[str, Any],
) -> None:
    short = [c for c in vectors["fi_national_reference"] if c["checksum_ok"] and not c["valid"]]
    assert [c["value"] for c in short] == ["123"]
    with pytest.raises(InvalidIdentifier, match=r"too short: 3 digits, at least 4"):
        ids.validate_national_reference("123")


def test_reference_generation_vectors(vectors: dict[str, Any]) -> None:
    cases = vectors["fi_national_reference_generation"]
    assert len(cases) == 6
    assert [ids.create_national_reference(c["base"]) for c in cases] == [
        c["expected"] for c in cases
    ]


def test_rf_form_of_national_references(vectors: dict[str, Any]) -> None:
    cases = vectors["rf_from_fi_national_reference"]
    assert [ids.national_to_rf(c["fi_reference"]) for c in cases] == [c["rf"] for c in cases]
    assert all(ids.is_valid_rf_reference(c["rf"]) is c["rf_valid"] for c in cases)
    assert [ids.rf_to_national(c["rf"]) for c in cases] == [c["fi_reference"] for c in cases]


def test_hetu_vectors_are_masked_exactly_when_they_could_be_real(vectors: dict[str, Any]) -> None:
    cases = vectors["fi_personal_identity_code_hetu_SYNTHETIC"]
    masked = {c["value"]: looks_like_personal_id(c["value"]) for c in cases}
    # valid ones and the wrong-check-letter typo are masked; 31 Feb is not a date
    assert masked == {
        "131052-308T": True,
        "131052+308T": True,
        "131052A308T": True,
        "131052B308T": True,
        "131052X308T": True,
        "131052-308U": True,
        "310252-308Y": False,
        "131052-9993": True,
    }


def test_all_municipal_business_ids_validate(corpus_dir: Path) -> None:
    with (corpus_dir / "checkdigits" / "municipality_bids.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 309
    assert [r["name"] for r in rows if not ids.is_valid_business_id(r["bid"])] == []
    assert [r["name"] for r in rows if not ids.is_valid_vat_id(r["vat_number"])] == []
    assert [r["name"] for r in rows if ids.business_id_to_vat_id(r["bid"]) != r["vat_number"]] == []


def test_bank_table_matches_the_published_list(corpus_dir: Path) -> None:
    path = (
        corpus_dir
        / "checkdigits"
        / "Finnish_monetary_institution_codes_and_BICs_in_excel_format.csv"
    )
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "16.6.2020"
    published = {r[0].strip(): r[1].strip() for r in rows[2:] if r and r[0].strip()}
    assert len(published) == 656
    assert all_codes() == published


# --- precise messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "value", "code", "message"),
    [
        (
            ids.validate_national_reference,
            "1234562",
            "INVALID_PAYMENT_REFERENCE",
            "check digit should be 1, not 2",
        ),
        (ids.validate_national_reference, "12a4", "INVALID_PAYMENT_REFERENCE", "only digits"),
        (
            ids.validate_national_reference,
            "1" * 21,
            "INVALID_PAYMENT_REFERENCE",
            "too long: 21 digits, at most 20",
        ),
        (
            ids.validate_rf_reference,
            "RF17 5390 0754 7034",
            "INVALID_PAYMENT_REFERENCE",
            "check digits should be 18, not 17",
        ),
        (ids.validate_rf_reference, "RF1", "INVALID_PAYMENT_REFERENCE", "two check digits"),
        (
            ids.validate_business_id,
            "2077474-1",
            "INVALID_BUSINESS_ID",
            "check digit should be 0, not 1",
        ),
        (ids.validate_business_id, "12345-6", "INVALID_BUSINESS_ID", "7 digits, a dash"),
        (ids.validate_vat_id, "FI 20774741", "INVALID_VAT_ID", "check digit should be 0, not 1"),
        (ids.validate_vat_id, "SE20774740", "INVALID_VAT_ID", "must start with FI"),
        (
            ids.validate_iban,
            "FI2112345600000786",
            "INVALID_BANK_ACCOUNT",
            "check digits should be 91, not 21",
        ),
        (
            ids.validate_iban,
            "FI211234560000078",
            "INVALID_BANK_ACCOUNT",
            "too short: FI IBANs have 18 characters, this has 17",
        ),
        (
            ids.validate_iban,
            "XX2112345600000785",
            "INVALID_BANK_ACCOUNT",
            "not a known IBAN country",
        ),
        (ids.validate_bic, "OKOYFIH", "INVALID_BIC", "8 or 11 characters, not 7"),
        (ids.validate_bic, "OK0YFIHH", "INVALID_BIC", "four letters"),
        (ids.validate_bic, "OKOYXXHH", "INVALID_BIC", "'XX' is not a country"),
    ],
)
def test_messages_name_the_rule(validator: Any, value: str, code: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validator(value)
    assert caught.value.code == code
    assert message in caught.value.message
    assert isinstance(caught.value, ValueError)
    finding = caught.value.to_finding(source="x.xml", location="Ref")
    assert (finding.code, finding.source, finding.value) == (code, "x.xml", value)


def test_findings_from_identifier_errors_mask_personal_ids() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        ids.validate_business_id("131052-308T")
    assert "131052-308T" in caught.value.message  # the exception itself is for the caller
    finding = caught.value.to_finding("in.xml")
    assert "131052" not in finding.message and finding.value == "******-****"


def test_finnish_bban_gets_its_iban_in_the_message() -> None:
    with pytest.raises(InvalidIdentifier, match=r"its IBAN is FI21 1234 5600 0007 85"):
        ids.validate_iban("123456-785")
    with pytest.raises(InvalidIdentifier, match=r"check digit should be 5, not 6"):
        ids.validate_iban("12345600000786")
    assert ids.finnish_bban_to_iban("571690-2004185") == "FI1557169020004185"  # OP: 7th digit kept


def test_finnish_account_luhn_is_checked_even_when_mod97_passes() -> None:
    body = "12345600000786"  # Luhn digit should be 5
    iban = f"FI{98 - int(body + '151800') % 97:02d}{body}"
    with pytest.raises(InvalidIdentifier, match=r"last digit\) should be 5, not 6"):
        ids.validate_iban(iban)


def test_normalised_forms() -> None:
    assert ids.validate_iban("fi21 1234 5600 0007 85") == "FI2112345600000785"
    assert ids.format_iban("FI2112345600000785") == "FI21 1234 5600 0007 85"
    assert ids.validate_business_id(" 0199920-7 ") == "0199920-7"
    assert ids.validate_business_id("01999207") == "0199920-7"
    assert ids.validate_business_id("199920-7") == "0199920-7"  # old six-digit form
    assert ids.validate_vat_id("fi 0199 9207") == "FI01999207"
    assert ids.validate_bic("okoy fi hh") == "OKOYFIHH"
    assert ids.validate_national_reference("00000000000002004486") == "2004486"
    assert ids.format_national_reference("1234567123456784") == "1 23456 71234 56784"
    assert ids.format_rf_reference("RF18539007547034") == "RF18 5390 0754 7034"
    assert ids.validate_payment_reference("rf18 5390 0754 7034") == (
        "RF18539007547034",
        ReferenceScheme.RF,
    )
    assert ids.validate_payment_reference("12 34561") == ("1234561", ReferenceScheme.FI_NATIONAL)
    assert ids.is_valid_payment_reference("RF17539007547034") is False


def test_bic_lookup_and_consistency() -> None:
    assert ids.bic_for_finnish_iban("FI1557169020004185") == "OKOYFIHH"  # OP camt53 sample
    assert ids.bic_for_finnish_iban("FI9881234511224450") == "DABAFIHH"  # Danske camt.054
    assert ids.bic_for_finnish_iban("DE14740618130000033626") is None
    assert bank_for_code("701") is None
    assert ids.is_consistent_iban_bic("FI1557169020004185", "OKOYFIHHXXX")
    assert not ids.is_consistent_iban_bic("FI1557169020004185", "NDEAFIHH")
    assert ids.is_consistent_iban_bic("DE14740618130000033626", "GENODEF1PFK")  # not judged
    with pytest.raises(InvalidIdentifier, match=r"bank code 571 is OKOYFIHH \(OP CORPORATE"):
        ids.check_iban_bic("FI1557169020004185", "NDEAFIHH")


# --- properties -------------------------------------------------------------------------------

reference_bases = st.text(alphabet="0123456789", min_size=3, max_size=19).filter(
    lambda base: len(base.lstrip("0")) >= 3
)


def _change_one(text: str, index: int, offset: int, alphabet: str) -> str:
    position = index % len(text)
    current = alphabet.index(text[position])
    replacement = alphabet[(current + 1 + offset % (len(alphabet) - 1)) % len(alphabet)]
    return text[:position] + replacement + text[position + 1 :]


@given(reference_bases)
def test_created_national_references_validate(base: str) -> None:
    reference = ids.create_national_reference(base)
    assert ids.validate_national_reference(reference) == reference.lstrip("0")
    assert ids.validate_rf_reference(ids.national_to_rf(reference))


@given(reference_bases, st.integers(min_value=0), st.integers(min_value=0, max_value=8))
def test_one_changed_digit_breaks_a_national_reference(base: str, index: int, offset: int) -> None:
    reference = ids.create_national_reference(base)
    assert not ids.is_valid_national_reference(_change_one(reference, index, offset, "0123456789"))


rf_bodies = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


@given(rf_bodies)
def test_created_rf_references_validate(body: str) -> None:
    reference = ids.create_rf_reference(body)
    assert ids.validate_rf_reference(reference) == reference
    assert ids.validate_payment_reference(reference)[1] is ReferenceScheme.RF


@given(rf_bodies, st.integers(min_value=0), st.integers(min_value=0, max_value=24))
def test_one_changed_character_breaks_an_rf_reference(body: str, index: int, offset: int) -> None:
    reference = ids.create_rf_reference(body)
    position = 2 + index % (len(reference) - 2)  # a check digit or a body character
    alphabet = "0123456789" if reference[position].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    changed = reference[:position] + _change_one(reference[position], 0, offset, alphabet)
    changed += reference[position + 1 :]
    assert not ids.is_valid_rf_reference(changed)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13).filter(lambda s: s[0] != "0"))
def test_finnish_accounts_convert_to_valid_ibans(body: str) -> None:
    from finrpa.steps.checkdigits import luhn_check_digit

    iban = ids.finnish_bban_to_iban(body + str(luhn_check_digit(body)))
    assert ids.validate_iban(iban) == iban
    assert iban.startswith("FI") and len(iban) == 18
