"""Identity-related numbers of a student record (PL-1).

Rules: PL-1 — resident identity number per GB 11643 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
sum mod 11 → "10X98765432", birth date and sex digit inside), national student number (19 characters:
G + identity number, or J/L + 18 digits), disability certificate number (第二代残疾人证: identity number +
category digit + grade digit, optionally B + digit, 20–22 characters, parts agreeing with the record).
"""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from suiban.core.idnumbers import (
    CATEGORY_DIGITS,
    check_char,
    make_id_number,
    parse_id_number,
    validate_certificate_number,
    validate_student_number,
)

# Published examples: GB 11643-1999's own example and the widely quoted one with an X check character.
KNOWN_VALID = {
    "440524188001010014": (date(1880, 1, 1), "male", "440524"),
    "11010519491231002X": (date(1949, 12, 31), "female", "110105"),
}

region_codes = st.sampled_from(["350205", "350203", "440106", "110105", "511623", "430124"])
births = st.dates(min_value=date(1990, 1, 1), max_value=date(2025, 12, 31))
genders = st.sampled_from(["male", "female"])
sequences = st.integers(min_value=0, max_value=999)


@pytest.fixture(autouse=True)
def _english():
    """The reasons are matched in English (the msgids), whatever the zh-Hans catalog says."""
    with translation.override("en"):
        yield


# --- resident identity number (GB 11643) ----------------------------------------------------------------


@pytest.mark.parametrize("number", sorted(KNOWN_VALID))
def test_known_valid_identity_numbers_parse_with_their_birth_date_gender_and_region(number):
    """PL-1: published GB 11643 examples are accepted and their birth date, sex digit and region are read."""
    birth, gender, region = KNOWN_VALID[number]
    assert parse_id_number(number) == {"birth_date": birth, "gender": gender, "region_code": region}


def test_check_character_follows_the_gb11643_weights_and_table():
    """PL-1: the 18th character is "10X98765432"[Σ digit × weight mod 11],
    weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2."""
    first17 = "44052418800101001"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11 == 8
    assert check_char(first17) == "10X98765432"[8] == "4"
    assert check_char("11010519491231002") == "X"


def test_a_lower_case_x_check_character_is_accepted_as_x():
    """PL-1: the check character X may be typed in lower case."""
    assert parse_id_number("11010519491231002x")["birth_date"] == date(1949, 12, 31)


@pytest.mark.parametrize("number", [
    "440524188001010015",  # wrong check digit
    "440524188001010010",
    "110105194912310021",  # X replaced by a digit
    "44052418800101001X",  # a digit replaced by X
])
def test_a_wrong_check_character_is_refused(number):
    """PL-1: a number whose check character does not match the weighted sum is refused."""
    with pytest.raises(ValueError, match="check digit"):
        parse_id_number(number)


@pytest.mark.parametrize("number", [
    "4405241880010100",  # 16 characters
    "4405241880010100144",  # 19 characters
    "44052418800101001Y",  # check character other than a digit or X
    "4405241880O101001X",  # a letter O in the digits
    "X40524188001010014",  # X anywhere but last
    "",
])
def test_a_malformed_identity_number_is_refused(number):
    """PL-1: an identity number has 18 characters: 17 digits and a digit or X."""
    with pytest.raises(ValueError):
        parse_id_number(number)


@pytest.mark.parametrize("birth", ["20150230", "20190229", "20151301", "20150000", "20150431"])
def test_an_impossible_birth_date_is_refused_even_with_a_correct_check_character(birth):
    """PL-1: the 8 birth-date digits must be a real date (no 30 February, no month 13)."""
    first17 = f"350205{birth}123"
    number = first17 + check_char(first17)
    with pytest.raises(ValueError, match="not a real date"):
        parse_id_number(number)


def test_a_29_february_of_a_leap_year_is_a_real_birth_date():
    """PL-1: 2016-02-29 exists, so an identity number carrying it is accepted."""
    number = make_id_number("350205", date(2016, 2, 29), 12, "female")
    assert parse_id_number(number)["birth_date"] == date(2016, 2, 29)


def test_the_sex_digit_is_odd_for_male_and_even_for_female():
    """PL-1: the 17th digit (end of the sequence) is odd for a man and even for a woman."""
    male = make_id_number("350205", date(2015, 5, 6), 10, "male")
    female = make_id_number("350205", date(2015, 5, 6), 11, "female")
    assert int(male[16]) % 2 == 1 and parse_id_number(male)["gender"] == "male"
    assert int(female[16]) % 2 == 0 and parse_id_number(female)["gender"] == "female"


@given(region=region_codes, birth=births, seq=sequences, gender=genders)
def test_generated_identity_numbers_parse_back_to_the_same_birth_date_and_gender(region, birth, seq, gender):
    """PL-1 (property): make_id_number always builds a valid number carrying the given birth date and sex."""
    number = make_id_number(region, birth, seq, gender)
    assert len(number) == 18
    assert parse_id_number(number) == {"birth_date": birth, "gender": gender, "region_code": region}


@given(region=region_codes, birth=births, seq=sequences, gender=genders, position=st.integers(0, 17),
       shift=st.integers(1, 10))
def test_any_single_character_change_is_caught(region, birth, seq, gender, position, shift):
    """PL-1 (property): changing any one character of a valid number makes it invalid — the GB 11643 weights are
    all non-zero modulo 11, so the check character detects every single substitution."""
    number = make_id_number(region, birth, seq, gender)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == number[position]:
        return
    changed = number[:position] + new + number[position + 1:]
    with pytest.raises(ValueError):
        parse_id_number(changed)


# --- national student number (学籍号) -------------------------------------------------------------------


def test_a_g_student_number_is_g_followed_by_the_students_identity_number():
    """PL-1: a G-number is accepted only as "G" + the student's own identity number (19 characters)."""
    idn = make_id_number("350205", date(2016, 3, 4), 21, "male")
    validate_student_number("G" + idn, idn)
    validate_student_number("g" + idn.lower(), idn)  # typed in lower case
    other = make_id_number("350205", date(2016, 3, 4), 23, "male")
    with pytest.raises(ValueError, match="G followed by the student's identity number"):
        validate_student_number("G" + other, idn)
    with pytest.raises(ValueError, match="needs the student's identity number"):
        validate_student_number("G" + idn, "")


@pytest.mark.parametrize("number", ["J350205201603040021", "L440106201601010007"])
def test_a_j_or_l_student_number_is_a_letter_and_18_digits(number):
    """PL-1: without an identity number the student number is J or L followed by 18 digits."""
    validate_student_number(number, "")


@pytest.mark.parametrize("number", [
    "J35020520160304002X",  # X is only allowed in a G-number (it ends an identity number)
    "L35020520160304002",  # 18 characters
    "L3502052016030400211",  # 20 characters
    "Q350205201603040021",  # unknown letter
    "3502052016030400211",  # no letter
    "",
])
def test_a_malformed_student_number_is_refused(number):
    """PL-1: anything but G + identity number or J/L + 18 digits (19 characters) is refused."""
    with pytest.raises(ValueError):
        validate_student_number(number, "")


# --- disability certificate number (第二代残疾人证) -----------------------------------------------------

IDN = make_id_number("350205", date(2015, 9, 10), 33, "male")


@pytest.mark.parametrize("category", sorted(CATEGORY_DIGITS))
def test_the_certificate_category_digit_follows_the_disability_category(category):
    """PL-1: the 19th character is the category digit (1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重)."""
    digit = CATEGORY_DIGITS[category]
    validate_certificate_number(f"{IDN}{digit}2", id_number=IDN, category=category, grade=2)
    wrong = "1" if digit != "1" else "2"
    with pytest.raises(ValueError, match="category digit"):
        validate_certificate_number(f"{IDN}{wrong}2", id_number=IDN, category=category, grade=2)


def test_the_category_digits_are_those_of_the_certificate_standard():
    """PL-1: 1 视力 visual, 2 听力 hearing, 3 言语 speech, 4 肢体 physical, 5 智力 intellectual, 6 精神 mental,
    7 多重 multiple."""
    assert CATEGORY_DIGITS == {"visual": "1", "hearing": "2", "speech": "3", "physical": "4", "intellectual": "5",
                               "mental": "6", "multiple": "7"}


@pytest.mark.parametrize("grade", [1, 2, 3, 4])
def test_the_certificate_grade_digit_follows_the_disability_grade(grade):
    """PL-1: the 20th character is the disability grade 1–4 and must match the record's grade."""
    validate_certificate_number(f"{IDN}5{grade}", id_number=IDN, category="intellectual", grade=grade)
    other = 1 if grade != 1 else 2
    with pytest.raises(ValueError, match="grade digit"):
        validate_certificate_number(f"{IDN}5{grade}", id_number=IDN, category="intellectual", grade=other)


@pytest.mark.parametrize("digit", ["0", "5", "9"])
def test_a_certificate_grade_digit_outside_1_to_4_is_refused(digit):
    """PL-1: disability grades are 一级–四级, so the grade digit is 1 to 4."""
    with pytest.raises(ValueError, match="1 to 4"):
        validate_certificate_number(f"{IDN}5{digit}", id_number=IDN, category="intellectual", grade=None)


def test_a_certificate_must_start_with_the_students_identity_number():
    """PL-1: the first 18 characters of the certificate number are the student's identity number."""
    other = make_id_number("350205", date(2015, 9, 10), 35, "male")
    with pytest.raises(ValueError, match="start with the student's identity number"):
        validate_certificate_number(f"{other}52", id_number=IDN, category="intellectual", grade=2)


@pytest.mark.parametrize("suffix,ok", [("", True), ("B1", True), ("b2", True), ("B", False), ("B12", False),
                                       ("C1", False), ("1", False), ("12", False)])
def test_a_certificate_number_is_20_to_22_characters_with_an_optional_b_and_digit(suffix, ok):
    """PL-1: identity number + category + grade (20 characters), optionally followed by B + one digit (22)."""
    number = f"{IDN}52{suffix}"
    if ok:
        assert len(number) in (20, 22)
        validate_certificate_number(number, id_number=IDN, category="intellectual", grade=2)
    else:
        with pytest.raises(ValueError):
            validate_certificate_number(number, id_number=IDN, category="intellectual", grade=2)


def test_a_certificate_number_of_19_characters_is_refused():
    """PL-1: the grade digit cannot be left out (20–22 characters)."""
    with pytest.raises(ValueError):
        validate_certificate_number(f"{IDN}5", id_number=IDN, category="intellectual", grade=2)
