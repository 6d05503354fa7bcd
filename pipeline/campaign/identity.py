"""Form identity: the id every issued form carries, and its check character.

Format: ``LZ-<campaign>-<form code>-<subject>-<version><check>``, e.g. ``LZ-QZSY2012-B21-P1001-1K``.

* campaign: the profile's campaign code (A–Z, 0–9);
* form code: the definition's ``code``;
* subject: ``P`` + 工号 for a person, ``D`` + department code, ``U`` for the institution;
* version: issue version, starting at 1 (a re-issued blank form gets the next version);
* check: one ISO 7064 MOD 37,36 character over everything before it (hyphens dropped), so a
  clerk who retypes an id, or OCR that misreads one character, is caught rather than mismatched.

Only uppercase letters, digits and hyphens are used: they survive Word, PDF text layers, QR codes
and handwriting, and read the same in every CJK font.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from stdnum.iso7064 import mod_37_36

PREFIX = "LZ"
ID_RE = re.compile(r"LZ-([A-Z0-9]+)-([A-Z0-9]+)-([PDU][A-Z0-9]*)-(\d+)([A-Z0-9*])")


@dataclass(frozen=True)
class FormId:
    campaign: str
    form_code: str
    subject: str
    version: int = 1

    @property
    def body(self) -> str:
        return f"{PREFIX}-{self.campaign}-{self.form_code}-{self.subject}-{self.version}"

    @functools.cached_property
    def text(self) -> str:
        """The id as printed, check character included (computed once: ids are compared often)."""
        return self.body + mod_37_36.calc_check_digit(self.body.replace("-", ""))

    def __str__(self) -> str:
        return self.text

    @property
    def subject_kind(self) -> str:
        return {"P": "person", "D": "department", "U": "institution"}[self.subject[0]]


def person_subject(staff_id: str) -> str:
    return "P" + staff_id


def department_subject(code: str) -> str:
    return "D" + code


INSTITUTION_SUBJECT = "U"


@functools.lru_cache(maxsize=1 << 14)
def parse(text: str) -> FormId | None:
    """Find a valid form id in free text (footer, PDF text, QR payload); ``None`` if none checks out.

    Spaces and full-width characters that Word or OCR slip in are removed first. Remembered: one
    return's id is looked for by the reader, the form logic and the matcher.
    """
    cleaned = unicodedata.normalize("NFKC", text).upper()
    cleaned = re.sub(r"(?<=[A-Z0-9-])\s+(?=[A-Z0-9-])", "", cleaned)
    for m in ID_RE.finditer(cleaned):
        campaign, code, subject, version, check = m.groups()
        fid = FormId(campaign, code, subject, int(version))
        if str(fid) == m.group(0):
            return fid
    return None
