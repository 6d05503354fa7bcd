"""Opening the store and the few writes that generation needs (campaign, roster, issued forms)."""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import json
import os
from pathlib import Path

import orjson
from sqlalchemy import create_engine, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import ResourceError, StoreError
from pipeline.store.models import Campaign, Department, Event, Person


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets status read while ingest writes; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _json_dumps(value: object) -> str:
    """JSON columns through orjson: a ledger decodes 100,000 of them, about twice as fast as ``json``.

    Non-string keys are written as strings, as ``json.dumps`` does. A lone surrogate (a file name's
    undecodable byte, kept by ``surrogateescape``) is no UTF-8, which orjson refuses: ``json``
    writes it as a ``\\udcxx`` escape, and reads it back the same.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _json_loads(text: str | bytes) -> object:
    """Read back what :func:`_json_dumps` wrote (``json`` for the surrogate escapes orjson refuses)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def open_store(url: str) -> sessionmaker[Session]:
    """Open (and create or migrate) the store at ``url``; returns a session factory."""
    if url.startswith("sqlite:///"):
        from pipeline.store.check import guard_database_file

        db_file = Path(url.removeprefix("sqlite:///"))
        db_file.parent.mkdir(parents=True, exist_ok=True)
        guard_database_file(db_file, db_file.parent)
        if not os.access(db_file.parent, os.W_OK):  # SQLite must write its journal beside the file
            raise ResourceError(f"数据库所在的文件夹 {db_file.parent} 是只读的，无法写入",
                                hint="检查工作区 store/ 文件夹的写权限（或所在磁盘是否以只读方式挂载）后重新运行")
    from pipeline.store.migrate import upgrade

    shown = url.split("@")[-1]  # never print a password
    try:
        engine: Engine = create_engine(url, json_serializer=_json_dumps, json_deserializer=_json_loads)
        if engine.dialect.name == "sqlite":
            sa_event.listen(engine, "connect", _sqlite_pragmas)
        upgrade(engine)
    except (SQLAlchemyError, ImportError) as e:
        raise StoreError(f"无法打开数据库 {shown}：{e.__class__.__name__}",
                         hint="检查 --db 地址、用户名和口令，或删去 --db 使用工作区内置的 SQLite") from None
    return sessionmaker(engine, expire_on_commit=False)


@functools.cache
def actor() -> str:
    """Who runs the program, for the event log (the login name; asked once per process)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def utcnow() -> dt.datetime:
    """Now in UTC without a zone: every timestamp of the store is kept this way."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


_INSERT_EVENT = insert(Event.__table__)


def event(session: Session, action: str, subject: str, *, campaign: str, **detail) -> None:
    """Append one entry to ``campaign``'s audit log (``events``), in the caller's transaction."""
    events(session, campaign, [(action, subject, detail)])


def events(session: Session, campaign: str, entries: list[tuple[str, str, dict]]) -> None:
    """Append (action, subject, detail) entries to ``campaign``'s audit log in one statement."""
    if entries:
        at, who = utcnow(), actor()
        session.execute(_INSERT_EVENT, [dict(at=at, actor=who, action=action, subject=subject, campaign=campaign,
                                             detail=detail) for action, subject, detail in entries])


def sync_profile(session: Session, profile, roster) -> None:
    """Mirror the profile's campaign, departments and roster into the store (idempotent)."""
    code = profile.campaign.code
    campaign = session.get(Campaign, code)
    if campaign is None:
        campaign = Campaign(code=code)
        session.add(campaign)
    campaign.institution = profile.institution.name
    campaign.name = profile.campaign.name
    campaign.year = profile.campaign.year
    campaign.levels = list(profile.levels.labels)
    session.flush()
    have = {d.code: d for d in session.scalars(select(Department).where(Department.campaign == code))}
    for d in profile.departments:
        row = have.get(d.code) or Department(campaign=code, code=d.code)
        row.name, row.head = d.name, d.head
        session.add(row)
    people = {p.staff_id: p for p in session.scalars(select(Person).where(Person.campaign == code))}
    for s in roster:
        row = people.get(s.staff_id)
        values = (s.name, s.department, s.position, s.tier)
        if row is None:
            row = Person(campaign=code, staff_id=s.staff_id)
            session.add(row)
        elif (row.name, row.department, row.position, row.tier) == values:
            continue  # unchanged: a roster of thousands is synced on every run, and dirtied rows cost the flush
        row.name, row.department, row.position, row.tier = values
