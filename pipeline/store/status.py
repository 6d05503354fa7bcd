"""The states a submission and a problem can be in: one enum each, spelled once.

Values are the strings stored in the database (``submissions.status``, ``problems.scope``), so a
report can compare a column with ``Status.ACCEPTED`` directly; ``zh`` is what a person reads.
"""

from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """What became of a returned file."""

    ACCEPTED = "accepted"
    NEEDS_REVISION = "needs_revision"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"
    IDENTITY_HOLD = "identity_hold"  # its form id names one person, its header another: the office decides
    FAULT = "fault"  # this program failed on it (a bug, not a damaged file): kept for the maintainer

    @property
    def zh(self) -> str:
        return _STATUS_ZH[self]

    @classmethod
    def label(cls, value: str | None) -> str:
        """The Chinese word for a stored status value (the value itself if unknown)."""
        try:
            return cls(value).zh
        except ValueError:
            return value or ""


_STATUS_ZH = {Status.ACCEPTED: "合格", Status.NEEDS_REVISION: "需退回重查", Status.SUPERSEDED: "已被新版替代",
              Status.REJECTED: "无法读取", Status.IDENTITY_HOLD: "身份待核",
              Status.FAULT: "程序出错待处理"}

#: A return that answers its slot now: readable and not replaced by a newer one.
CURRENT = (Status.ACCEPTED.value, Status.NEEDS_REVISION.value)
#: Returns that take part in the resubmission rule of their slot.
READABLE = (*CURRENT, Status.SUPERSEDED.value)


class Scope(str, Enum):
    """Where a problem was found, which decides whether it sends the form back."""

    FORM = "form"  # in this file alone
    DEPARTMENT = "department"  # by comparing the department's forms; sends the form back
    OFFICE = "office"  # such a finding the profile does not enforce: shown to the office only


#: Problems that send a form back to its department.
BLOCKING = (Scope.FORM.value, Scope.DEPARTMENT.value)
