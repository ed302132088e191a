"""Validators of Chinese identity-related numbers (PL-1).

- Resident identity number (GB 11643-1999): 6-digit region, 8-digit birth date,
  3-digit sequence (odd = male, even = female), check character from the weighted
  sum mod 11 → "10X98765432".
- National student number (全国学籍号): "G" + identity number, or "J"/"L" + 18 digits
  when the child has no identity number (19 characters).
- Disability certificate number (第二代残疾人证): identity number + category digit
  (1 视力 … 7 多重) + grade digit (1–4), optionally "B" + a digit (20–22 characters).
"""

import re
from datetime import date

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
CATEGORY_DIGITS = {"visual": "1", "hearing": "2", "speech": "3", "physical": "4", "intellectual": "5",
                   "mental": "6", "multiple": "7"}


def check_char(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str) -> dict:
    """Return {"birth_date", "gender", "region_code"} or raise ValueError with a Chinese message."""
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", v):
        raise ValueError(_("An identity number has 18 characters: 17 digits and a digit or X."))
    try:
        birth = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError(_("The birth date inside the identity number is not a real date.")) from None
    if check_char(v[:17]) != v[17]:
        raise ValueError(_("The check digit of the identity number is wrong."))
    return {"birth_date": birth, "gender": "male" if int(v[16]) % 2 else "female", "region_code": v[:6]}


def make_id_number(region_code: str, birth: date, sequence: int, gender: str) -> str:
    """Build a valid identity number (demo and test data): sequence parity follows gender."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == "male"):
        seq = (seq + 1) % 1000
    first17 = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def validate_student_number(value: str, id_number: str = "") -> None:
    v = (value or "").strip().upper()
    if not re.fullmatch(r"[GJL][\dX]{18}", v) or len(v) != 19:
        raise ValueError(_("A national student number has 19 characters: G followed by the identity number, "
                           "or J/L followed by 18 digits."))
    if v[0] == "G":
        if not id_number:
            raise ValueError(_("A G-number needs the student's identity number."))
        if v[1:] != id_number.strip().upper():
            raise ValueError(_("A G-number must be G followed by the student's identity number."))
    elif not v[1:].isdigit():
        raise ValueError(_("A J/L-number is followed by 18 digits."))


def validate_certificate_number(value: str, *, id_number: str, category: str, grade: int | None) -> None:
    v = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]\d\d(B\d)?", v):
        raise ValueError(_("A disability certificate number is the 18-character identity number, a category "
                           "digit and a grade digit, optionally followed by B and a digit."))
    if id_number and v[:18] != id_number.strip().upper():
        raise ValueError(_("The certificate number must start with the student's identity number."))
    if category and CATEGORY_DIGITS.get(category) != v[18]:
        raise ValueError(_("The category digit of the certificate number does not match the disability category."))
    if grade and str(grade) != v[19]:
        raise ValueError(_("The grade digit of the certificate number does not match the disability grade."))
    if v[19] not in "1234":
        raise ValueError(_("The grade digit of the certificate number must be 1 to 4."))
