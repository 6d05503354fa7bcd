"""The campaign store: SQLAlchemy models, SQLite by default, PostgreSQL for a shared office.

Shaped for what comes after parsing: ledgers group risk points by person, department and level;
公示 lists read accepted risk points; submission tracking compares issued forms with submissions;
the archive walks submissions and their originals by sha256. Nothing is deleted: a resubmission
marks the older submission ``superseded``, and every change is appended to ``events``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (JSON, BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Campaign(Base):
    __tablename__ = "campaigns"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    institution: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    levels: Mapped[list] = mapped_column(JSON, doc="level labels, highest first")


class Department(Base):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(ForeignKey("campaigns.code"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    head: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("campaign", "code"),)


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(ForeignKey("campaigns.code"))
    staff_id: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str] = mapped_column(String(20), default="")
    __table_args__ = (UniqueConstraint("campaign", "staff_id"),)


class IssuedForm(Base):
    """One blank form handed out: who it is for, which version, where the file was written."""

    __tablename__ = "issued_forms"
    form_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    campaign: Mapped[str] = mapped_column(ForeignKey("campaigns.code"), index=True)
    form_type: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(60), doc="P<工号>, D<部门代码> or U")
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    person_name: Mapped[str | None] = mapped_column(String(100))
    staff_id: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(
        String(64), doc="the file as issued, kept write-once under store/issued by this hash")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    submissions: Mapped[list["Submission"]] = relationship(back_populates="issued_form")
    # One row per (form, subject, version): re-running generation must not issue the same form twice.
    __table_args__ = (UniqueConstraint("campaign", "form_type", "subject", "version"),)


class Submission(Base):
    """One returned file. Its original lives write-once in the originals store under its sha256.

    A resubmission for the same issued form does not replace the older row: the older one gets
    ``status = "superseded"`` and ``superseded_by`` pointing at the newer one; both stay.
    """

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(ForeignKey("campaigns.code"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text, doc="path relative to the inbox, as received (readable form)")
    filename_raw: Mapped[bytes | None] = mapped_column(
        LargeBinary, doc="the name's bytes when they were not valid UTF-8 (e.g. GBK from a Chinese-Windows zip)")
    size: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    file_modified: Mapped[dt.datetime | None] = mapped_column(DateTime, doc="the file's modification time in the inbox")
    saved_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime, doc="when the document says it was last saved (docx core / PDF info), as written in it")
    status: Mapped[str] = mapped_column(String(20), doc="a pipeline.store.status.Status value")
    reason: Mapped[str | None] = mapped_column(Text, doc="why rejected (quarantined)")
    form_id: Mapped[str | None] = mapped_column(ForeignKey("issued_forms.form_id"), index=True)
    form_type: Mapped[str | None] = mapped_column(String(80))
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    person_name: Mapped[str | None] = mapped_column(String(100))
    staff_id: Mapped[str | None] = mapped_column(String(40), doc="the roster person the form was matched to")
    match_method: Mapped[str | None] = mapped_column(String(20), doc="form_id / title / roster")
    slot: Mapped[str | None] = mapped_column(
        String(200), doc="what the file answers: the issued form id, else form type + person or department; "
                         "returns in one slot supersede each other")
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), doc="the newer return")
    parsed: Mapped[dict | None] = mapped_column(JSON, doc="the ParsedForm as parsed")
    meta: Mapped[dict] = mapped_column(JSON, default=dict, doc="file metadata (author, last_modified_by, …), "
                                                             "kept apart from parsed for the same-hand check")
    issued_form: Mapped[IssuedForm | None] = relationship(back_populates="submissions")
    risks: Mapped[list["RiskPoint"]] = relationship(back_populates="submission")
    problems: Mapped[list["ProblemRow"]] = relationship(back_populates="submission")
    __table_args__ = (
        # The same bytes are one submission per campaign: the key that makes re-ingest a no-op.
        UniqueConstraint("campaign", "sha256"),
        Index("ix_submissions_campaign_status", "campaign", "status"),
        Index("ix_submissions_slot", "campaign", "slot"),
    )


class RiskPoint(Base):
    __tablename__ = "risk_points"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(10), doc="high / medium / low in the campaign's scheme")
    level_label: Mapped[str | None] = mapped_column(String(20), doc="as written")
    level_rank: Mapped[int | None] = mapped_column(Integer, doc="rank in the campaign's scheme, 1 = highest")
    level_scheme: Mapped[str | None] = mapped_column(String(20), doc="the scheme's own label for that rank")
    measures: Mapped[str | None] = mapped_column(Text)
    review: Mapped[str | None] = mapped_column(Text)
    duty: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    submission: Mapped[Submission] = relationship(back_populates="risks")


class ProblemRow(Base):
    __tablename__ = "problems"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    where: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(12), default="form",
                                       doc="form: found in this file alone; department: found by comparing the "
                                           "department's forms, sends the form back (recomputed after every "
                                           "ingest); office: such a finding the profile does not enforce, "
                                           "shown to the office only")
    submission: Mapped[Submission] = relationship(back_populates="problems")


class Event(Base):
    """Append-only log: who did what, when. Never updated, never deleted."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    campaign: Mapped[str | None] = mapped_column(
        String(40), doc="the campaign the event belongs to: a shared store holds many institutions' logs")
    __table_args__ = (Index("ix_events_subject", "subject"), Index("ix_events_campaign", "campaign"))


class RiskReview(Base):
    """The office's reviewed values of one risk point, from an imported ledger (None: not changed).

    The risk point keeps what the form said; a report shows these over it and marks it 已复核.
    Every change that led here is in ``events`` with its old and new value.
    """

    __tablename__ = "risk_reviews"
    risk_point_id: Mapped[int] = mapped_column(ForeignKey("risk_points.id"), primary_key=True)
    level_label: Mapped[str | None] = mapped_column(String(20), doc="the scheme's label chosen by the office")
    level_rank: Mapped[int | None] = mapped_column(Integer, doc="its rank in the scheme, 1 = highest")
    category: Mapped[str | None] = mapped_column(String(40))
    opinion: Mapped[str | None] = mapped_column(Text, doc="the review opinion written by the office")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(Text, doc="the ledger file the review came from")
