"""The dashboard's queues and forms (issue 17, part 3) over a real aiohttp server on
127.0.0.1: a dispute split, a reported message warned, a report about a person dismissed, a
reporter suspended, mentor applications approved and rejected — each through the chat's core
function, in the audit log, the ledger balanced; forged, CSRF-less, replayed and half-filled
forms answered with a page, never a trace."""

from __future__ import annotations

import html
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bots.web.admin_pages import COOKIE, session_cookie
from bots.web.identity import login_token
from core.app import CoreApp
from core.db.communities import Community
from core.db.moderation import CommunityReport
from core.db.relay import RelayMessage
from core.db.safety import PersonReport
from core.db.schema import AuditEntry, MentorProfile, Outbox
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.admin_support import person, sandbox_pay, session, status_of
from tests.e2e.webclient import WebChatClient
from tests.money_support import invariants
from tests.unit.dialog_helpers import apply_as_mentor

Form = dict[str, str]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/queues.db",
        data_dir=tmp_path,
        secret_key="queues-secret",
        admins=["web:admin"],
        match_model="none",
        tick_seconds=0,
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def chat_once(base: str, settings: Settings, who: str) -> None:
    """The web account exists once its owner has opened the chat by the login link."""
    client = WebChatClient(base)
    try:
        await client.open(f"/login?token={login_token(settings.secret(), who)}")
    finally:
        await client.close()


def forms(page: str) -> list[Form]:
    """Every form on a page as its hidden fields plus the buttons' values (`actions`)."""
    out = []
    for body in re.findall(
        r'<form method="post" action="/admin/act"[^>]*>(.*?)</form>', page, re.S
    ):
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="(\w+)" value="([^"]*)"', body
            )
        }
        fields["actions"] = " ".join(re.findall(r'name="action" value="(\w+)"', body))
        out.append(fields)
    return out


def pick(page: str, kind: str, target: int) -> Form:
    found = [f for f in forms(page) if f["kind"] == kind and f.get("target") == str(target)]
    assert found, (kind, target)
    return found[0]


async def seed_message_report(core: CoreApp, author_id: int, reporter_id: int) -> int:
    async with core.uow() as u:
        c = Community(
            slug="py",
            name="Python Learners",
            description="",
            visibility="public",
            invite_code="pyinvite",
            created_by=reporter_id,
            created_at=u.now,
        )
        u.session.add(c)
        await u.session.flush()
        m = RelayMessage(
            community_id=c.id,
            author_id=author_id,
            author_name="Asha",
            origin_platform="web",
            text="buy cheap followers",
            created_at=u.now,
        )
        u.session.add(m)
        await u.session.flush()
        u.session.add(
            CommunityReport(
                community_id=c.id, message_id=m.id, reporter_id=reporter_id, reason="spam", at=u.now
            )
        )
        return m.id


async def post(http: aiohttp.ClientSession, base: str, form: Form, **more: str) -> tuple[int, str]:
    data = {k: v for k, v in form.items() if k != "actions"} | more
    async with http.post(f"{base}/admin/act", data=data) as resp:
        return resp.status, await resp.text()


def said(page: str) -> str:
    """The page's message, without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


async def test_every_queue_acted_on_from_the_dashboard(
    server: TestServer, settings: Settings
) -> None:
    base = str(server.make_url("")).rstrip("/")
    await chat_once(base, settings, "admin")
    core: CoreApp = server.app[CORE]
    disputed = await session(core, sandbox_pay(core))
    ravi = await person(core, "ravi")
    message_id = await seed_message_report(core, disputed.learner_id, ravi)
    async with core.uow() as u:
        report = await u.safety.report(ravi, disputed.mentor_id, "spam", "Sends links in chat")
        report_id = report.id
    await apply_as_mentor(core, "arjun")
    await apply_as_mentor(core, "bela")
    async with core.db.transaction() as s:
        pending = {
            mp.user_id
            for mp in await s.scalars(
                select(MentorProfile).where(MentorProfile.status == "pending")
            )
        }
    arjun, bela = sorted(pending)

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/admin/login?token={login_token(settings.secret(), 'admin')}"):
            pass
        async with http.get(f"{base}/admin/queues") as resp:
            assert resp.status == 200
            page = await resp.text()
            assert "script-src" not in resp.headers["Content-Security-Policy"]
        text = said(page)
        assert f"Dispute: session #{disputed.booking_id}" in text
        assert "The mentor never showed up" in text
        assert f"Reported message #{message_id}" in text and "buy cheap followers" in text
        assert "Sends links in chat" in text
        assert "Disputes (1)" in text and "Reports (2)" in text
        assert "Mentor applications (2)" in text and "Arjun" in text

        # A split of the dispute: half back to the learner, both told, the ledger balanced.
        dispute = pick(page, "dispute", disputed.booking_id)
        status, body = await post(
            http, base, dispute, action="split", part="50%", reason="Half the session happened"
        )
        assert status == 200, body
        assert "₹50 goes back to the learner" in said(body)
        assert await status_of(core, disputed.booking_id) == "completed"
        assert await invariants(core.db) == []
        # The same form again (a reload, a replay) acts no more.
        status, body = await post(
            http, base, dispute, action="learner", reason="Half the session happened"
        )
        assert status == 409 and "sent already" in said(body)
        assert await invariants(core.db) == []

        warn = pick(page, "report", message_id)
        assert warn["actions"] == "dismiss delete warn mute"
        status, body = await post(http, base, warn, action="warn")
        assert status == 200 and "Asha has been warned" in said(body)

        status, body = await post(
            http, base, pick(page, "personreport", report_id), action="dismissed"
        )
        assert status == 200 and f"Report #{report_id} dismissed" in said(body)

        suspend = pick(page, "suspend", disputed.mentor_id)
        status, body = await post(http, base, suspend, action="suspend", reason="no")
        assert status == 400 and "reason of 3 to 500" in said(body)
        status, body = await post(
            http, base, suspend, action="suspend", reason="Spam links after a warning"
        )
        assert status == 200 and "Suspended Meera" in said(body)

        approve = pick(page, "application", arjun)
        status, body = await post(http, base, approve, action="approve")
        assert status == 200 and "Approved Arjun" in said(body)
        reject = [f for f in forms(page) if f.get("target") == str(bela)][1]
        status, body = await post(http, base, reject, action="reject", reason="Too short a bio")
        assert status == 200 and "Rejected Bela" in said(body)

        # A fresh page shows the decided dispute and applications gone from the queues.
        async with http.get(f"{base}/admin/queues") as resp:
            after = said(await resp.text())
        assert "No disputed sessions" in after and "No mentor applications" in after

    async with core.db.transaction() as s:
        actions = [a.action for a in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        person_state = (await s.get(PersonReport, report_id)).state  # type: ignore[union-attr]
    assert actions == [
        "dispute.split",
        "report.warn",
        "report.dismissed",
        "user.suspend",
        "mentor.approved",
        "mentor.rejected",
    ]
    assert person_state == "dismissed"


async def test_bad_forms_get_a_page(server: TestServer, settings: Settings) -> None:
    base = str(server.make_url("")).rstrip("/")
    await chat_once(base, settings, "admin")
    await chat_once(base, settings, "mallory")
    core: CoreApp = server.app[CORE]
    disputed = await session(core, sandbox_pay(core))
    keys = core.deps.signing_keys
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/admin/login?token={login_token(settings.secret(), 'admin')}"):
            pass
        async with http.get(f"{base}/admin/queues") as resp:
            page = await resp.text()
        form = pick(page, "dispute", disputed.booking_id)
        good = {"action": "mentor", "reason": "The room shows both joined"}
        cases: dict[str, tuple[Form, int, str]] = {
            "no CSRF token": ({**form, "csrf": ""}, 403, "expired"),
            "forged token": ({**form, "csrf": form["csrf"][:-2] + "xx"}, 403, "expired"),
            "another form's nonce": ({**form, "nonce": "othernonce"}, 403, "expired"),
            "unknown action": ({**form}, 400, "asks for something"),
            "split without a part": ({**form}, 400, "learner's part"),
            "not a number": ({**form, "target": "twelve"}, 400, "asks for something"),
            "huge field": ({**form}, 400, "not valid"),
        }
        extras = {
            "unknown action": {"action": "burn", "reason": "because"},
            "split without a part": {"action": "split", "reason": "because"},
            "huge field": {"action": "mentor", "reason": "x" * 2000},
        }
        for case, (fields, code, words) in cases.items():
            status, body = await post(http, base, fields, **extras.get(case, good))
            assert status == code, (case, body)
            assert words in said(body), case
            assert "Traceback" not in body
        assert await status_of(core, disputed.booking_id) == "disputed"
        # An empty post and a body too large for any form of ours.
        async with http.post(f"{base}/admin/act") as resp:
            assert resp.status in (403, 413) and "Traceback" not in await resp.text()
        async with http.post(f"{base}/admin/act", data={"reason": "x" * 20000}) as resp:
            assert resp.status == 413

    # The form's token is tied to the session it was shown to: another admin session, a
    # non-admin's session and no session at all are refused.
    others = {
        "another session": (session_cookie(keys, "admin", now=time.time() + 600), 403),
        "not an admin": (session_cookie(keys, "mallory"), 403),
    }
    for case, (cookie, code) in others.items():
        async with aiohttp.ClientSession(cookies={COOKIE: cookie}) as http:
            status, body = await post(http, base, form, **good)
            assert status == code, (case, body)
    async with aiohttp.ClientSession() as http:
        status, body = await post(http, base, form, **good)
        assert status == 401
    assert await status_of(core, disputed.booking_id) == "disputed"
    assert await invariants(core.db) == []


async def test_a_refund_from_the_dashboard(server: TestServer, settings: Settings) -> None:
    """A partial refund, then the rest, through the dashboard's form: the chat's core path,
    the ledger balanced, the learner told, the audit log written; bad amounts, a missing
    reason, an unknown session and a replayed form each get a page and change nothing."""
    base = str(server.make_url("")).rstrip("/")
    await chat_once(base, settings, "admin")
    core: CoreApp = server.app[CORE]
    held = await session(core, sandbox_pay(core), report=None)
    async with core.uow() as u:  # held and completed: the mentor has been paid
        b = await u.bookings.get(held.booking_id)
        assert b is not None and await u.bookings._complete(b) == 1

    async def fresh_form(http: aiohttp.ClientSession) -> Form:
        async with http.get(f"{base}/admin/queues") as resp:
            page = await resp.text()
        assert "Refund a session" in said(page)
        [form] = [f for f in forms(page) if f["kind"] == "refund"]
        assert "target" not in form  # the session number is typed in
        return form

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/admin/login?token={login_token(settings.secret(), 'admin')}"):
            pass
        target = str(held.booking_id)
        form = await fresh_form(http)
        status, body = await post(http, base, form, target=target, part="30", reason="")
        assert status == 400 and "reason of 3 to 500" in said(body)
        status, body = await post(http, base, form, target=target, part="lots", reason="Audio")
        assert (
            status == 200 and "Nothing refunded" in said(body) and "isn't an amount" in said(body)
        )
        form = await fresh_form(http)
        status, body = await post(
            http, base, form, target=target, part="30", reason="Audio was bad for ten minutes"
        )
        assert status == 200 and f"Refunded ₹30 for session #{target}" in said(body)
        assert await invariants(core.db) == []
        status, body = await post(
            http, base, form, target=target, part="30", reason="Audio was bad for ten minutes"
        )
        assert status == 409  # the same form sent again acts no more
        form = await fresh_form(http)
        status, body = await post(http, base, form, target=target, reason="And the rest, sorry")
        assert status == 200 and f"Refunded ₹70 for session #{target}" in said(body)
        assert await invariants(core.db) == []
        form = await fresh_form(http)
        status, body = await post(http, base, form, target="999999", reason="No such session")
        assert status == 200 and "Nothing refunded" in said(body)

    async with core.db.transaction() as s:
        refunds = [
            a.detail
            for a in await s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "booking.refund")
                .order_by(AuditEntry.id)
            )
        ]
        told = [
            str(o.reply.get("text", ""))
            for o in await s.scalars(
                select(Outbox).where(Outbox.user_id == held.learner_id).order_by(Outbox.id)
            )
        ]
    assert refunds == ["₹30: Audio was bad for ten minutes", "₹70: And the rest, sorry"]
    assert [t for t in told if "refunded" in t] == [
        f"💸 You've been refunded ₹30 for session #{held.booking_id}. Reason: Audio was bad "
        "for ten minutes\nIt reaches your account in 5–7 days.",
        f"💸 You've been refunded ₹70 for session #{held.booking_id}. Reason: And the rest, "
        "sorry\nIt reaches your account in 5–7 days.",
    ]
