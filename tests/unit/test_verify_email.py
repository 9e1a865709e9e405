"""Email verification by one-time code (issue 18), through the real dialogs and a real SMTP
server (aiosmtpd on 127.0.0.1): the code arrives as text and HTML, works once, expires, allows
five tries; sending is rate-limited per address, person and domain, also under 50 concurrent
requests on a real SQLite file; the verified domain shows on profiles and in search; it opens
domain-restricted communities; policies may require it to mentor or to book paid sessions."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.communities import Community
from core.db.engine import Database
from core.db.schema import Account, MentorProfile, User
from core.db.verification import EmailCode, EmailSendCount, VerifiedEmail
from core.services.verification import parse_email
from mentorbot.mail import SmtpMailer
from tests.booking_support import add_mentor
from tests.mail_support import SmtpServer, run_smtp
from tests.support import PG_URL, ChatDriver, drop_pg_schema, make_core, postgres_schema_db, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_communities import admin_creates

SENDER = "MentorBot <noreply@mentorbot.test>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from run_smtp()


def smtp_mailer(smtp: SmtpServer) -> SmtpMailer:
    return SmtpMailer(smtp.host, smtp.port, sender=SENDER, tls="none")


def with_mail(core: CoreApp, smtp: SmtpServer, **policies: Any) -> CoreApp:
    return rebuilt(
        core,
        mailer=smtp_mailer(smtp),
        policies=dataclasses.replace(core.policies, **policies),
    )


async def uid_of(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


async def verify(core: CoreApp, smtp: SmtpServer, name: str, email: str) -> ChatDriver:
    c = ChatDriver(core, name)
    await c.say(f"/verify {email}")
    assert "I've sent a 6-digit code" in c.text(), c.text()
    await c.say(smtp.inbox.latest_code(email))
    assert "✅ Verified" in c.text(), c.text()
    return c


async def test_the_code_arrives_by_smtp_and_verifies(core: CoreApp, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp)
    asha = ChatDriver(core, "asha")
    await asha.say("/verify Asha.Rao@IITB.ac.in")
    assert "I've sent a 6-digit code to asha.rao@iitb.ac.in" in asha.text()
    assert "server log" not in asha.text()  # a real mail server is set up
    [mail] = smtp.inbox.to("asha.rao@iitb.ac.in")
    assert mail.sender == "noreply@mentorbot.test"
    assert mail.message["Subject"].startswith("MentorBot code")
    code = mail.code
    assert f"<strong>{code}</strong>" in mail.part("html")  # plain text plus HTML
    # Only the HMAC of the code is stored.
    uid = await uid_of(core, "asha")
    async with core.db.transaction() as s:
        row = await s.get(EmailCode, uid)
        assert row is not None and code not in row.code_hash and len(row.code_hash) == 64
    await asha.say(f"{code[:3]} {code[3:]}")  # spaces are fine
    assert "✅ Verified" in asha.text() and "verified · iitb.ac.in" in asha.text()
    async with core.db.transaction() as s:
        v = await s.get(VerifiedEmail, uid)
        assert v is not None and (v.email, v.domain) == ("asha.rao@iitb.ac.in", "iitb.ac.in")
        assert await s.get(EmailCode, v.user_id) is None  # the code worked once
    await asha.say("/verify")
    assert "You're verified · iitb.ac.in (asha.rao@iitb.ac.in)" in asha.text()


async def test_bad_input_keeps_progress_and_cancel_works(core: CoreApp, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp)
    ravi = ChatDriver(core, "ravi")
    await ravi.say("/verify")
    assert "Which college or company email" in ravi.text()
    await ravi.say("not an address")
    assert "doesn't look like an email address" in ravi.text()
    await ravi.say("ravi@nitk.edu.in")
    assert "I've sent a 6-digit code to ravi@nitk.edu.in" in ravi.text()
    await ravi.say("12ab")
    assert "The code is 6 digits" in ravi.text()
    assert "Type the 6-digit code sent to ravi@nitk.edu.in" in ravi.text()  # still waiting
    code = smtp.inbox.latest_code("ravi@nitk.edu.in")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    await ravi.say(wrong)
    assert "That's not the code. 4 tries left." in ravi.text()
    await ravi.say("cancel")
    assert "Type the 6-digit code" not in ravi.text()
    await ravi.say(code)  # the dialog is over: the code is just text now
    assert "✅ Verified" not in ravi.text()
    uid = await uid_of(core, "ravi")
    async with core.db.transaction() as s:
        assert await s.get(VerifiedEmail, uid) is None


async def test_an_expired_code_fails(core: CoreApp, clock: ManualClock, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp)
    c = ChatDriver(core, "meera")
    await c.say("/verify meera@iisc.ac.in")
    code = smtp.inbox.latest_code("meera@iisc.ac.in")
    clock.advance(timedelta(minutes=10, seconds=1))
    await c.say(code)
    assert "That code has expired" in c.text() and "✅" not in c.text()
    await c.press("Send a new code")  # a fresh one works
    assert len(smtp.inbox.to("meera@iisc.ac.in")) == 2
    await c.say(smtp.inbox.latest_code("meera@iisc.ac.in"))
    assert "✅ Verified" in c.text()


async def test_the_sixth_try_fails_even_with_the_right_code(
    core: CoreApp, smtp: SmtpServer
) -> None:
    core = with_mail(core, smtp)
    c = ChatDriver(core, "kiran")
    await c.say("/verify kiran@iitm.ac.in")
    code = smtp.inbox.latest_code("kiran@iitm.ac.in")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        await c.say(wrong)
        assert f"{left} tr{'ies' if left > 1 else 'y'} left" in c.text()
    await c.say(wrong)
    assert "it was the last try" in c.text()
    await c.say(code)  # the sixth try
    assert "Too many wrong tries" in c.text() and "✅" not in c.text()
    uid = await uid_of(core, "kiran")
    async with core.db.transaction() as s:
        assert await s.get(VerifiedEmail, uid) is None


async def test_without_smtp_the_code_is_in_the_server_log(
    core: CoreApp, caplog: pytest.LogCaptureFixture
) -> None:
    c = ChatDriver(core, "demo")  # make_core: no mailer given, the log mailer
    with caplog.at_level(logging.WARNING, logger="mentorbot.mail"):
        await c.say("/verify demo@example.edu")
    assert "No mail server is set up here (demo): the code is in the server log" in c.text()
    logged = [r.getMessage() for r in caplog.records if "demo@example.edu" in r.getMessage()]
    assert logged
    code = logged[-1].split("verification code is ")[1][:6]
    await c.say(code)
    assert "✅ Verified" in c.text()


async def test_sends_are_limited_per_address_person_and_domain(
    core: CoreApp, smtp: SmtpServer, clock: ManualClock
) -> None:
    core = with_mail(
        core,
        smtp,
        verify_sends_per_address=2,
        verify_sends_per_person=3,
        verify_sends_per_domain=4,
    )
    a = ChatDriver(core, "a")
    for _ in range(2):
        await a.say("/verify a@x.edu")
        assert "I've sent" in a.text()
    await a.say("/verify a@x.edu")
    assert "Too many codes were sent to that address lately" in a.text()
    await a.say("/verify a2@x.edu")
    assert "I've sent" in a.text()  # the person's third
    await a.say("/verify a3@y.edu")
    assert "Too many codes were sent for you lately" in a.text()
    b = ChatDriver(core, "b")
    await b.say("/verify b@x.edu")
    assert "I've sent" in b.text()  # the domain's fourth (the refused ones didn't count)
    await b.say("/verify b2@x.edu")
    assert "Too many codes were sent to x.edu addresses lately" in b.text()
    assert len(smtp.inbox.messages) == 4
    clock.advance(timedelta(minutes=61))  # a new window
    await b.say("/verify b2@x.edu")
    assert "I've sent" in b.text()


async def _race_sends(core: CoreApp, smtp: SmtpServer) -> None:
    """50 concurrent requests: one person for one address, and 50 people at one domain."""
    core = with_mail(
        core,
        smtp,
        verify_sends_per_address=3,
        verify_sends_per_person=3,
        verify_sends_per_domain=10,
    )
    async with core.uow() as u:
        users = [User(display_name=f"P{i}", created_at=u.now) for i in range(51)]
        u.session.add_all(users)
        await u.session.flush()
        ids = [x.id for x in users]

    async def send(uid: int, email: str) -> bool:
        async with core.uow() as u:
            user = await u.session.get(User, uid)
            assert user is not None
            return (await u.verification.send_code(user, email)).ok

    one = await asyncio.gather(*(send(ids[0], "same@one.edu") for _ in range(50)))
    assert sum(one) == 3
    many = await asyncio.gather(*(send(ids[i + 1], f"p{i}@many.edu") for i in range(50)))
    assert sum(many) == 10
    assert len(smtp.inbox.to("same@one.edu")) == 3
    assert len([m for m in smtp.inbox.messages if m.to[0].endswith("@many.edu")]) == 10
    async with core.db.transaction() as s:
        counts = {(r.scope, r.key): r.count for r in await s.scalars(select(EmailSendCount))}
    assert counts[("domain", "many.edu")] == 10 and counts[("address", "same@one.edu")] == 3
    assert sum(n for (scope, _k), n in counts.items() if scope == "person") == 13


async def test_rate_limits_hold_under_50_concurrent_requests_sqlite(
    core: CoreApp, smtp: SmtpServer
) -> None:
    assert core.db.is_sqlite and "mentorbot.db" in str(core.db.engine.url)  # a real file
    await _race_sends(core, smtp)


@pytest.fixture
async def pg_core(clock: ManualClock) -> AsyncIterator[CoreApp]:
    if not PG_URL:
        pytest.skip("MENTORBOT_TEST_DATABASE_URL is not set: no PostgreSQL to race on")
    db, schema = await postgres_schema_db()
    try:
        yield await make_core(db, clock)
    finally:
        await db.dispose()
        await drop_pg_schema(schema)


async def test_rate_limits_hold_under_50_concurrent_requests_postgres(
    pg_core: CoreApp, smtp: SmtpServer
) -> None:
    await _race_sends(pg_core, smtp)


async def test_fifty_concurrent_tries_count_five(core: CoreApp, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp)
    c = ChatDriver(core, "racer")
    await c.say("/verify racer@x.edu")
    code = smtp.inbox.latest_code("racer@x.edu")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    uid = await uid_of(core, "racer")

    async def attempt() -> str:
        async with core.uow() as u:
            user = await u.session.get(User, uid)
            assert user is not None
            return (await u.verification.check(user, wrong)).message

    said = await asyncio.gather(*(attempt() for _ in range(50)))
    assert sum("That's not the code" in m for m in said) == 5
    async with core.db.transaction() as s:
        row = await s.get(EmailCode, uid)
        assert row is not None and row.attempts == 5


async def test_the_domain_shows_on_the_profile_and_in_search(
    core: CoreApp, smtp: SmtpServer
) -> None:
    from tests.unit.test_find import _approve_all, _matching

    core = with_mail(core, smtp)
    await apply_as_mentor(core, "anita", skills="Python: advanced")
    await apply_as_mentor(core, "bela", skills="Python: advanced")
    await _approve_all(core)
    await verify(core, smtp, "anita", "anita@iitb.ac.in")
    anita = ChatDriver(core, "anita")
    await anita.say("/profile")
    assert "✔ verified · iitb.ac.in" in anita.text()
    learner = ChatDriver(core, "lena")
    await learner.say("/find python")  # the Directory ranking
    lines = learner.text().splitlines()
    anita_at = next(i for i, line in enumerate(lines) if "Anita" in line)
    bela_at = next(i for i, line in enumerate(lines) if "Bela" in line)
    assert "verified · iitb.ac.in" in lines[anita_at + 1]
    assert "verified" not in lines[bela_at + 1]
    matched, _engine = await _matching(core)  # the recommender's results too
    learner = ChatDriver(matched, "lena")
    await learner.say("/find python")
    assert any(
        "*Anita" in line and "verified · iitb.ac.in" in line for line in learner.text().splitlines()
    )
    await learner.press("👤 Anita")
    assert "✔ verified · iitb.ac.in" in learner.text()


async def test_a_domain_restricted_community_takes_people_verified_there(
    core: CoreApp, smtp: SmtpServer
) -> None:
    core = with_mail(core, smtp)
    code = await admin_creates(core, "IITB Coders", "Python", "public")
    async with core.db.transaction() as s:
        community = await s.scalar(select(Community).where(Community.invite_code == code))
        assert community is not None
        community.email_domain = "iitb.ac.in"
    outsider = await verify(core, smtp, "out", "out@iitbx.ac.in")  # not a subdomain
    await outsider.say(f"/community join {code}")
    assert "is for people with a verified @iitb.ac.in address" in outsider.text()
    stranger = ChatDriver(core, "stranger")
    await stranger.say(f"/community join {code}")
    assert "/verify you@iitb.ac.in" in stranger.text()
    insider = await verify(core, smtp, "cse", "dev@cse.iitb.ac.in")
    await insider.say(f"/community join {code}")
    assert "You're in *IITB Coders*" in insider.text()


async def test_a_paid_booking_needs_verification_when_the_policy_says_so(
    core: CoreApp, smtp: SmtpServer
) -> None:
    core = with_mail(core, smtp, paid_booking_needs_verified_email=True)
    async with core.uow() as u:
        paid = await add_mentor(u.session, "Paid", u.now, price_mode="paid", price_minor=10000)
        free = await add_mentor(u.session, "Free", u.now)
    learner = ChatDriver(core, "lina")
    await learner.say(f"/book {paid}")
    assert "Paid sessions here need a verified college or company email" in learner.text()
    await learner.say(f"/book {free}")  # free sessions don't
    assert "Paid sessions" not in learner.text()
    # The service refuses it too, whatever the entry point.
    from core.booking.base import BookingError

    lina = await uid_of(core, "lina")
    with pytest.raises(BookingError, match="verified college or company email"):
        async with core.uow() as u:
            offer = await u.bookings.offering(paid)
            assert offer is not None
            slots = await u.bookings.free_slots(offer, lina, 10)
            await u.bookings.request(lina, offer, slots[0], 10, "arrays")
    await learner.say("/cancel")
    await verify(core, smtp, "lina", "lina@vit.ac.in")
    await learner.say(f"/book {paid}")
    assert "Paid sessions" not in learner.text()


async def test_mentoring_needs_verification_when_the_policy_says_so(
    core: CoreApp, smtp: SmtpServer
) -> None:
    core = with_mail(core, smtp, mentor_needs_verified_email=True)
    async with core.uow() as u:
        user = User(display_name="Mo", created_at=u.now)
        u.session.add(user)
        await u.session.flush()
        u.session.add(MentorProfile(user_id=user.id, headline="SRE", bio="I run clusters."))
        uid = user.id
    async with core.uow() as u:
        d = await u.mentors.submit(uid)
        assert not d.ok and "/verify you@college.edu" in d.message
    async with core.uow() as u:
        u.session.add(
            VerifiedEmail(user_id=uid, email="mo@tcs.com", domain="tcs.com", verified_at=u.now)
        )
    async with core.uow() as u:
        assert (await u.mentors.submit(uid)).ok


async def test_admins_keep_the_list_of_domains(core: CoreApp, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp, verify_listed_domains_only=True)
    admin = ChatDriver(core, "admin")
    await admin.say("/admin domains")
    assert "None listed yet" in admin.text() and "only listed domains" in admin.text()
    await admin.say("/admin domains add IITB.ac.in college")
    assert "Listed *iitb.ac.in* as a college" in admin.text()
    await admin.say("/admin domains add tcs.com company")
    await admin.say("/admin domains add x.com school")
    assert "Write it like" in admin.text()
    await admin.say("/admin domains")
    assert "- iitb.ac.in · college" in admin.text() and "- tcs.com · company" in admin.text()
    user = ChatDriver(core, "user")
    await user.say("/admin domains add evil.com company")
    assert "Only admins can do that" in user.text()
    await user.say("/verify me@gmail.com")
    assert "Only addresses at the colleges and companies listed here" in user.text()
    assert "iitb.ac.in, tcs.com" in user.text()
    await user.say("/verify me@cse.iitb.ac.in")
    assert "I've sent" in user.text()
    await admin.say("/admin domains remove tcs.com")
    assert "Removed *tcs.com*" in admin.text()
    await admin.say("/admin domains remove tcs.com")
    assert "isn't on the list" in admin.text()


async def test_an_address_belongs_to_one_profile(core: CoreApp, smtp: SmtpServer) -> None:
    core = with_mail(core, smtp)
    await verify(core, smtp, "first", "shared@iitd.ac.in")
    second = ChatDriver(core, "second")
    await second.say("/verify shared@iitd.ac.in")
    assert "already verified on another profile" in second.text() and "/link" in second.text()
    assert len(smtp.inbox.to("shared@iitd.ac.in")) == 1


async def test_a_refused_mail_is_told_in_chat(core: CoreApp, db: Database) -> None:
    from tests.mail_support import free_port
    from tests.support import RecordingChannel

    closed = SmtpMailer("127.0.0.1", free_port(), sender=SENDER, tls="none", timeout_s=2)
    core = rebuilt(core, mailer=closed)
    inbox = RecordingChannel("console")
    core.delivery.register(inbox)
    c = ChatDriver(core, "nomail")
    await c.say("/verify nomail@x.edu")
    told = inbox.inbox.get("nomail", [])
    assert any("I couldn't send that email" in r.text for r in told), told


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("You@College.EDU", "you@college.edu"),
        (" <a.b+c@cse.iitb.ac.in> ", "a.b+c@cse.iitb.ac.in"),
        ("no-at-sign", None),
        ("a@b", None),
        ("a@@b.com", None),
        ("a@-b.com", None),
        ("x" * 65 + "@b.com", None),
        ("a@b.com\n", "a@b.com"),
        ("a b@c.com", None),
    ],
)
def test_addresses_are_read_strictly(text: str, parsed: str | None) -> None:
    assert parse_email(text) == parsed
