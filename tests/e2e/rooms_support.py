"""Call-room test support: a server on 127.0.0.1 with a manual clock, a confirmed booking,
and aioice held to the loopback address (it offers no loopback candidate by itself)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from core.app import CoreApp
from core.booking.views import room_token
from core.clock import ManualClock
from core.db.schema import Account, User
from core.gateway_events import apply_gateway_event
from core.services.payments import GatewayEvent
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.booking_support import add_mentor, add_user

BOOKED_AT = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # a 10-minute session
PAID_PRICE = 10000  # ₹100 in paise


@pytest.fixture
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    import aioice.ice

    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda *a, **k: ["127.0.0.1"])


@dataclass
class Call:
    server: TestServer
    core: CoreApp
    clock: ManualClock
    booking_id: int
    mentor: int
    learner: int

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def token(self, role: str, user_id: int | None = None, booking_id: int | None = None) -> str:
        uid = (
            user_id if user_id is not None else (self.mentor if role == "mentor" else self.learner)
        )
        return room_token(self.core.signing_keys, booking_id or self.booking_id, uid, role)

    def at(self, when: datetime) -> None:
        self.clock.advance(when - self.clock.now())


def call_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/rooms.db",
        data_dir=tmp_path,
        secret_key="rooms-secret",  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def book(
    core: CoreApp,
    mentor_name: str = "Meera",
    learner_name: str = "Asha",
    *,
    price_mode: str = "credits",
) -> tuple[int, int, int]:
    """A confirmed booking. Credits (the default) or paid (₹100, captured by the sandbox
    gateway's event): either way the learner's money really sits in escrow, so no-show
    refunds and payouts go through the real ledger."""
    async with core.uow() as u:
        s = u.session
        mentor = await add_mentor(
            s, mentor_name, BOOKED_AT, price_mode=price_mode, price_minor=PAID_PRICE
        )
        learner = await add_user(s, learner_name, BOOKED_AT, tz="Europe/London")
        for uid, name in ((mentor, mentor_name), (learner, learner_name)):
            s.add(
                Account(
                    user_id=uid,
                    platform="console",
                    workspace="console",
                    external_id=name.lower(),
                    display_name=name,
                    created_at=BOOKED_AT,
                )
            )
        await s.flush()
        for uid in (mentor, learner):
            await u.money.grant_starter_credits(uid)
        offer = await u.bookings.offering(mentor)
        assert offer is not None
        b = await u.bookings.request(learner, offer, START, 10, "Interview prep")
        booking_id = b.id
        if price_mode == "paid":
            co = await u.payments.checkout(
                purpose="booking",
                ref_id=b.id,
                payer_id=learner,
                amount=b.amount_minor,
                currency=b.currency,
                description="session",
            )
            order = f"order_room{b.id}"
            await u.payments.attach_order(co.payment_id, order)
    if price_mode == "paid":
        captured = GatewayEvent(
            f"evt_room{booking_id}", "captured", "pay_room", order, PAID_PRICE, "INR"
        )
        assert await apply_gateway_event(core.deps, captured) == "captured"
    async with core.uow() as u:
        b = await u.bookings.accept(booking_id, mentor)
        assert b.status == "confirmed"
    return booking_id, mentor, learner


async def start_call(
    tmp_path: Path, *, price_mode: str = "credits", **extra: object
) -> AsyncIterator[Call]:
    clock = ManualClock(BOOKED_AT)
    srv = TestServer(create_app(call_settings(tmp_path, **extra), clock=clock), host="127.0.0.1")
    await srv.start_server()
    core = srv.app[CORE]
    booking_id, mentor, learner = await book(core, price_mode=price_mode)
    clock.advance(START + timedelta(minutes=1) - clock.now())
    try:
        yield Call(srv, core, clock, booking_id, mentor, learner)
    finally:
        await srv.close()


async def pay_token(call: Call) -> str:
    """A checkout for the call's booking: its pay page token."""
    async with call.core.uow() as u:
        co = await u.payments.checkout(
            purpose="booking",
            ref_id=call.booking_id,
            payer_id=call.learner,
            amount=10000,
            currency="INR",
            description="session",
        )
        p = await u.payments.get(co.payment_id)
        assert p is not None
        return p.token


async def home_on(core: CoreApp, user_id: int, platform: str) -> None:
    """Give the person a primary account on a chat app (the room's ended card names it)."""
    async with core.uow() as u:
        s = u.session
        account = Account(
            user_id=user_id,
            platform=platform,
            workspace=platform,
            external_id=f"home{user_id}",
            display_name="home",
            created_at=BOOKED_AT,
        )
        s.add(account)
        await s.flush()
        user = await s.get(User, user_id)
        assert user is not None
        user.primary_account_id = account.id


@dataclass
class Group:
    server: TestServer
    core: CoreApp
    group_id: int
    mentor: int
    seats: dict[int, int]  # learner -> booking

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def token(self, user_id: int) -> str:
        if user_id == self.mentor:
            first = min(self.seats.values())
            return room_token(self.core.signing_keys, first, user_id, "mentor")
        return room_token(self.core.signing_keys, self.seats[user_id], user_id, "learner")


async def start_group(tmp_path: Path, learners: int) -> AsyncIterator[Group]:
    """A server with a free group session of `learners` seats, all taken, open now."""
    clock = ManualClock(BOOKED_AT)
    srv = TestServer(create_app(call_settings(tmp_path), clock=clock), host="127.0.0.1")
    await srv.start_server()
    core = srv.app[CORE]
    async with core.uow() as u:
        mentor = await add_mentor(u.session, "Meera", BOOKED_AT)
        people = [await add_user(u.session, f"L{i}", BOOKED_AT) for i in range(learners)]
        g = await u.bookings.offer_group(mentor, START, 30, learners, price_mode="free")
        seats = {lid: (await u.bookings.book_seat(g.id, lid)).id for lid in people}
        group_id = g.id
    clock.advance(START + timedelta(minutes=1) - clock.now())
    try:
        yield Group(srv, core, group_id, mentor, seats)
    finally:
        await srv.close()
