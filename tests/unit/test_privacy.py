"""/privacy (issue 18, part 5): what is stored, the export ZIP, erasure after a grace period."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, ColumnElement, String, Text, cast, func, select

from core.app import CoreApp
from core.avatars import Pictures
from core.booking.tables import Booking, SessionRating
from core.clock import ManualClock
from core.db.dms import DmRequest
from core.db.engine import Database
from core.db.safety import ConsentRecord
from core.db.schema import Account, Base, User
from core.db.trust import UserTrust
from core.db.verification import VerifiedEmail
from core.services.privacy import deleted_name
from tests.booking_support import add_mentor, add_user
from tests.money_support import invariants
from tests.support import (
    PG_URL,
    ChatDriver,
    RecordingChannel,
    drop_pg_schema,
    postgres_schema_db,
    sqlite_copy,
)
from tests.unit.test_booking import _booked
from tests.unit.test_find import _uid
from tests.unit.test_onboarding import onboard_learner

# Erasure runs on both backends: PostgreSQL when MENTORBOT_TEST_DATABASE_URL is set.
BOTH_BACKENDS = pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
async def db(
    request: pytest.FixtureRequest, template_db: Path, tmp_path: Path
) -> AsyncIterator[Database]:
    """The conftest's SQLite file; with the parameter "postgresql", a fresh migrated schema."""
    if getattr(request, "param", "sqlite") == "sqlite":
        database = sqlite_copy(template_db, tmp_path)
        yield database
        await database.dispose()
        return
    if not PG_URL:
        pytest.skip("erasure on PostgreSQL: set MENTORBOT_TEST_DATABASE_URL to run it")
    database, schema = await postgres_schema_db()
    try:
        yield database
    finally:
        await database.dispose()
        await drop_pg_schema(schema)


async def _history(core: CoreApp, clock: ManualClock, inbox: RecordingChannel) -> ChatDriver:
    """Asha books Meera, the session happens and both rate; Ravi has his own profile."""
    mentor, learner = await _booked(core, inbox, accept=True)
    clock.advance(timedelta(hours=4))
    assert (await core.tick()).completed == 1
    await learner.press("★★★★★", [inbox.inbox["asha"][-1]])
    await learner.say("Asha says: Meera fixed my decorators")
    await mentor.press("★★★★", [inbox.inbox["meera"][-1]])
    await mentor.say("Meera says: Asha came well prepared")
    ravi = ChatDriver(core, "ravi")
    await ravi.say("/start")
    return learner


async def _export(c: ChatDriver) -> zipfile.ZipFile:
    await c.say("/privacy export")
    [reply] = [r for r in c.last if r.attachment is not None]
    assert reply.attachment is not None and reply.attachment.mime == "application/zip"
    return zipfile.ZipFile(io.BytesIO(reply.attachment.data))


async def test_privacy_lists_what_is_stored(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    learner = await _history(core, clock, inbox)
    await learner.say("/privacy")
    text = learner.text()
    assert "bookings: 1" in text and "ratings you wrote: 1" in text, text
    assert "consent records: 1" in text and "chat accounts: 1" in text


async def test_export_holds_every_row_about_the_person_and_nothing_of_others(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    learner = await _history(core, clock, inbox)
    asha, meera = await _uid(core, "asha"), await _uid(core, "meera")
    z = await _export(learner)
    data = json.loads(z.read("data.json"))
    assert {n for n in z.namelist() if n.endswith(".csv")} == {f"{t}.csv" for t in data}
    for table, rows in data.items():
        assert len(list(csv.DictReader(io.StringIO(z.read(f"{table}.csv").decode())))) == len(rows)
    assert [u["display_name"] for u in data["users"]] == ["Asha Rao"]
    assert [a["external_id"] for a in data["accounts"]] == ["asha"]
    [booking] = data["bookings"]
    assert booking["mentor_id"] == "Meera" and booking["learner_id"] == asha  # others by name
    [rating] = data["session_ratings"]
    assert rating["text"] == "Asha says: Meera fixed my decorators"
    assert rating["ratee_id"] == "Meera"
    assert [c["kind"] for c in data["consent_records"]] == ["terms"]
    async with core.db.transaction() as s:
        # Every row about her in the main tables is there, counted independently.
        ledger = Base.metadata.tables["ledger_accounts"]
        transfers = Base.metadata.tables["ledger_transfers"]
        wallets = list(await s.scalars(select(ledger.c.id).where(ledger.c.user_id == asha)))
        n_transfers = await s.scalar(
            select(func.count()).where(
                transfers.c.source_id.in_(wallets) | transfers.c.dest_id.in_(wallets)
            )
        )
        assert n_transfers and len(data["ledger_transfers"]) == n_transfers
        outbox = Base.metadata.tables["outbox"]
        assert len(data["outbox"]) == await s.scalar(
            select(func.count()).where(outbox.c.user_id == asha)
        )
        assert len(data["conversations"]) == 1
        n_ratings = await s.scalar(select(func.count()).where(SessionRating.rater_id == asha))
        assert len(data["session_ratings"]) == n_ratings == 1
    # Nothing of anyone else: not Meera's id, handle, headline or her rating of Asha, no Ravi.
    everything = b"".join(z.read(n) for n in z.namelist()).decode()
    # Meera's rating of Asha reached Asha as a message (hers to keep), never as Meera's row.
    assert "Meera says" in json.dumps(data["outbox"], ensure_ascii=False)
    assert "Meera says" not in json.dumps(
        {k: v for k, v in data.items() if k != "outbox"}, ensure_ascii=False
    )
    assert "engineer who teaches" not in everything
    assert "ravi" not in everything.casefold()
    assert '"meera"' not in everything
    for rows in data.values():
        for row in rows:
            for key in ("user_id", "mentor_id", "author_id", "rater_id", "payer_id"):
                assert row.get(key) in (None, asha, "Meera"), (key, row)
    assert meera not in [t.get("user_id") for t in data.get("ledger_accounts", [])]


async def _texts_everywhere(core: CoreApp, needles: list[str]) -> list[str]:
    """Every text column of every table, searched for the needles."""
    found = []
    async with core.db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for col in table.c:
                expr: ColumnElement[str]
                if isinstance(col.type, JSON):
                    expr = cast(col, Text)
                elif isinstance(col.type, String | Text):
                    expr = col
                else:
                    continue
                for n in needles:
                    hits = await s.scalar(
                        select(func.count()).select_from(table).where(expr.contains(n))
                    )
                    if hits:
                        found.append(f"{table.name}.{col.name} has {n!r} ×{hits}")
    return found


@BOTH_BACKENDS
async def test_delete_after_the_grace_period_erases_and_keeps_the_books(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    learner = await _history(core, clock, inbox)
    asha = await _uid(core, "asha")
    needles = ["Asha Rao", "Asha", "asha"]
    assert await _texts_everywhere(core, needles)  # the search can fail
    await learner.say("/privacy delete")
    assert "Delete your data? In 7 days" in learner.text()
    await learner.press("Yes, delete my data")
    assert "will be erased on" in learner.text()
    clock.advance(timedelta(days=6, hours=23))
    assert (await core.tick()).erased == 0
    clock.advance(timedelta(hours=2))
    assert (await core.tick()).erased == 1

    assert await invariants(core.db) == []
    assert await _texts_everywhere(core, needles) == []
    async with core.db.transaction() as s:
        user = await s.get(User, asha)
        assert user is not None and user.display_name == deleted_name(asha)
        [booking] = list(await s.scalars(select(Booking)))
        assert booking.learner_id == asha and booking.status == "completed"
        [rating] = list(
            await s.scalars(select(SessionRating).where(SessionRating.rater_id == asha))
        )
        assert rating.stars == 5  # the review stays, anonymised
        [acc] = list(await s.scalars(select(Account).where(Account.user_id == asha)))
        assert acc.external_id != "asha" and acc.unreachable
    # A new message from the same chat account is a new person.
    again = ChatDriver(core, "asha")
    await again.say("/start")
    assert "What would you like to do?" in again.text()
    assert await _uid(core, "asha") != asha


async def test_cancel_within_the_grace_period_keeps_everything(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    learner = await onboard_learner(core, "asha")
    await learner.say("/privacy delete")
    await learner.press("Yes, delete my data")
    clock.advance(timedelta(days=3))
    await learner.say("/privacy")
    assert "will be erased on" in learner.text()
    await learner.say("/privacy cancel")
    assert "Cancelled: nothing will be erased." in learner.text()
    clock.advance(timedelta(days=10))
    assert (await core.tick()).erased == 0
    asha = await _uid(core, "asha")
    async with core.db.transaction() as s:
        user = await s.get(User, asha)
        assert user is not None and user.display_name == "Asha Rao"
        [consent] = list(await s.scalars(select(ConsentRecord)))
        assert (consent.kind, consent.given, consent.version) == ("terms", True, "2026-12")


@BOTH_BACKENDS
async def test_erasure_cancels_sessions_still_to_come(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    async with core.uow() as u:
        mentor = await add_mentor(u.session, "Meera", u.now)
        learner = await add_user(u.session, "Asha Rao", u.now)
        offer = await u.bookings.offering(mentor)
        assert offer is not None
        slots = await u.bookings.free_slots(offer, learner, 10)
        late = [t for t in slots if t > u.now + timedelta(days=9)]
        booking = await u.bookings.request(learner, offer, late[0], 10, "Asha wants help")
        await u.bookings.accept(booking.id, mentor)
        await u.privacy.request_erasure(learner)
    clock.advance(timedelta(days=7, minutes=1))
    assert (await core.tick()).erased == 1
    async with core.db.transaction() as s:
        b = await s.get(Booking, booking.id)
        assert b is not None and b.status == "cancelled" and b.topic == ""
        user = await s.get(User, learner)
        assert user is not None and user.display_name == deleted_name(learner)
    assert await invariants(core.db) == []
    assert await _texts_everywhere(core, ["Asha Rao", "Asha wants help"]) == []


@BOTH_BACKENDS
async def test_delete_takes_the_verified_email_the_picture_and_intro_requests(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    learner = await _history(core, clock, inbox)
    asha = await _uid(core, "asha")
    name = core.deps.avatars.save(Pictures(thumb=b"thumb", large=b"large"))
    async with core.db.transaction() as s:
        mentor = await s.scalar(select(Booking.mentor_id))
        assert mentor is not None
        # Onboarding asked her age already: her trust row exists; the picture joins it.
        trust = await s.get(UserTrust, asha)
        assert trust is not None and trust.age_band == "18plus"
        trust.avatar = name
        s.add(
            VerifiedEmail(
                user_id=asha,
                email="asha.rao@iitb.ac.in",
                domain="iitb.ac.in",
                verified_at=clock.now(),
            )
        )
        s.add(
            DmRequest(
                learner_id=asha,
                mentor_id=mentor,
                text="hi, I'm Asha from Pune",
                created_at=clock.now(),
            )
        )
    assert core.deps.avatars.read(name) == b"thumb"
    await learner.say("/privacy delete")
    await learner.press("Yes, delete my data")
    clock.advance(timedelta(days=8))
    assert (await core.tick()).erased == 1
    assert await _texts_everywhere(core, ["asha.rao@iitb.ac.in", "from Pune"]) == []
    assert core.deps.avatars.read(name) is None and core.deps.avatars.read(name, "large") is None
    async with core.db.transaction() as s:
        assert await s.get(UserTrust, asha) is None
        assert await s.scalar(select(VerifiedEmail).where(VerifiedEmail.user_id == asha)) is None
