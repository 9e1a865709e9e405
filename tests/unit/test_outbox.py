"""The outbox cannot starve: per-platform claims, parking, backoff, dead letters for admins."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import User
from core.delivery import DEAD, PARKED, PENDING, SENT, backoff, enqueue
from core.messaging import Reply
from core.policies import Policies
from tests.outbox_support import person, rows
from tests.support import ChatDriver, RecordingChannel


def _core(db: Database, clock: ManualClock, **policies: int) -> CoreApp:
    return CoreApp.create(
        db, clock, admins=frozenset({"console:admin"}), policies=Policies(**policies)
    )


async def _notify(core: CoreApp, user_id: int, *texts: str) -> list[int]:
    async with core.db.transaction() as s:
        return await enqueue(s, user_id, [Reply(t) for t in texts], core.clock.now())


async def test_a_thousand_parked_rows_do_not_keep_other_retries_waiting(
    db: Database, clock: ManualClock
) -> None:
    core = _core(db, clock)
    console = RecordingChannel("console", offline={"bob"})
    core.delivery.register(console)  # Discord is switched off here
    async with db.transaction() as s:
        dana, _ = await person(s, "Dana", clock.now(), "discord:1")
        bob, _ = await person(s, "Bob", clock.now(), "console:bob")
    # Dana's reminders are older than Bob's: the old sweep took the 500 oldest rows.
    parked = await _notify(core, dana, *(f"reminder {i}" for i in range(1000)))
    [bobs] = await _notify(core, bob, "Your session starts in 15 minutes")
    assert await core.delivery.flush([bobs]) == 0  # Bob is away: a failed attempt
    console.offline.clear()
    clock.advance(backoff(core.policies, 1))
    assert await core.delivery.sweep() == 1
    assert [r.text for r in console.inbox["bob"]] == ["Your session starts in 15 minutes"]
    dana_rows = await rows(db, parked)
    assert Counter(r.state for r in dana_rows) == {PARKED: 1000}
    assert {r.reason for r in dana_rows} == {"discord is switched off"}
    # Parked rows are not tried again, nor do they take a turn from a new failure.
    [again] = await _notify(core, bob, "Rate your session")
    console.offline.add("bob")
    assert await core.delivery.sweep() == 0
    console.offline.clear()
    clock.advance(backoff(core.policies, 1))
    assert await core.delivery.sweep() == 1
    assert console.inbox["bob"][-1].text == "Rate your session"
    assert (await rows(db, [again]))[0].attempts == 2


async def test_one_platforms_failing_backlog_never_fills_another_platforms_batch(
    db: Database, clock: ManualClock
) -> None:
    core = _core(db, clock, outbox_batch=10)
    console = RecordingChannel("console")
    slack = RecordingChannel("slack", offline={f"U{i}" for i in range(50)})
    core.delivery.register(console)
    core.delivery.register(slack)  # switched on, but every delivery there fails
    async with db.transaction() as s:
        people = [(await person(s, f"S{i}", clock.now(), f"slack:U{i}"))[0] for i in range(50)]
        bob, _ = await person(s, "Bob", clock.now(), "console:bob")
    for p in people:
        await _notify(core, p, "older")
    await _notify(core, bob, "one", "two")
    # One sweep: ten of Slack's rows are tried (its batch); the console's come out anyway.
    assert await core.delivery.sweep() == 2
    assert [r.text for r in console.inbox["bob"]] == ["one", "two"]
    assert Counter(r.attempts for r in await rows(db)) == {0: 40, 1: 12}


async def test_backoff_grows_then_stops_at_the_cap_as_a_dead_letter(
    db: Database, clock: ManualClock
) -> None:
    core = _core(
        db, clock, outbox_retry_base_s=30, outbox_retry_max_delay_s=100, outbox_max_attempts=4
    )
    console = RecordingChannel("console", offline={"bob"})
    core.delivery.register(console)
    async with db.transaction() as s:
        bob, _ = await person(s, "Bob", clock.now(), "console:bob")
    [row_id] = await _notify(core, bob, "Booked")
    waits = []
    for attempt in range(1, 5):
        assert await core.delivery.sweep() == 0
        [row] = await rows(db, [row_id])
        assert row.attempts == attempt
        if row.state == DEAD:
            break
        assert row.state == PENDING and row.next_attempt_at is not None
        wait = row.next_attempt_at - clock.now()
        waits.append(wait.total_seconds())
        clock.advance(wait - timedelta(seconds=1))
        assert await core.delivery.sweep() == 0  # not yet due: not tried
        assert (await rows(db, [row_id]))[0].attempts == attempt
        clock.advance(timedelta(seconds=1))
    assert waits == [30, 60, 100]  # 120 capped at 100
    [row] = await rows(db, [row_id])
    assert (row.state, row.attempts, row.next_attempt_at) == (DEAD, 4, None)
    assert row.reason == "attempt 4: the platform did not take it"
    console.offline.clear()
    clock.advance(timedelta(days=1))
    assert await core.delivery.sweep() == 0  # a dead letter waits for an admin
    assert "bob" not in console.inbox


async def test_a_parked_row_goes_to_the_persons_other_linked_account(
    db: Database, clock: ManualClock
) -> None:
    core = _core(db, clock)
    console = RecordingChannel("console")
    core.delivery.register(console)
    async with db.transaction() as s:
        # Discord is Ravi's chosen account; he also linked a console account.
        ravi, (_discord, his_console) = await person(
            s, "Ravi", clock.now(), "discord:7", "console:ravi"
        )
        dana, _ = await person(s, "Dana", clock.now(), "discord:8")
    [to_ravi] = await _notify(core, ravi, "Your mentor accepted")
    [to_dana] = await _notify(core, dana, "Your mentor accepted")
    assert await core.delivery.flush([to_ravi, to_dana]) == 0  # no Discord channel here
    # Only the app's sweep parks or moves rows on (a console session's flush doesn't).
    assert await core.delivery.flush() == 0
    assert {r.state for r in await rows(db, [to_ravi, to_dana])} == {PENDING}
    assert await core.delivery.sweep() == 1
    assert [r.text for r in console.inbox["ravi"]] == ["Your mentor accepted"]
    ravi_row, dana_row = await rows(db, [to_ravi, to_dana])
    assert (ravi_row.state, ravi_row.account_id) == (SENT, his_console)
    assert ravi_row.reason is None
    assert (dana_row.state, dana_row.reason) == (PARKED, "discord is switched off")
    # Discord is switched on again: the parked row goes out on the next sweep.
    discord = RecordingChannel("discord")
    core.delivery.register(discord)
    assert await core.delivery.sweep() == 1
    assert [r.text for r in discord.inbox["8"]] == ["Your mentor accepted"]
    assert "7" not in discord.inbox  # Ravi's went out once, on the console


async def test_a_row_moved_on_goes_to_the_primary_if_it_is_on_else_the_newest_account(
    db: Database, clock: ManualClock
) -> None:
    core = _core(db, clock)
    console = RecordingChannel("console")
    core.delivery.register(console)
    async with db.transaction() as s:
        asha, (_, older, _newer) = await person(
            s, "Asha", clock.now(), "discord:1", "console:asha-old", "console:asha-new"
        )
        kiran, _ = await person(
            s, "Kiran", clock.now(), "discord:2", "console:kiran-old", "console:kiran-new"
        )
    await _notify(core, asha, "for Asha")
    await _notify(core, kiran, "for Kiran")
    async with db.transaction() as s:
        user = await s.get(User, asha)
        assert user is not None
        user.primary_account_id = older  # Asha chose another account since
    assert await core.delivery.sweep() == 2
    assert {k: [r.text for r in v] for k, v in console.inbox.items()} == {
        "asha-old": ["for Asha"],
        "kiran-new": ["for Kiran"],
    }


async def test_admins_see_dead_letters_and_retry_them(db: Database, clock: ManualClock) -> None:
    core = _core(db, clock, outbox_max_attempts=1)
    console = RecordingChannel("console", offline={"bob", "kim"})
    core.delivery.register(console)
    admin = ChatDriver(core, "admin")
    await admin.say("/start")
    async with db.transaction() as s:
        bob, _ = await person(s, "Bob", clock.now(), "console:bob")
        kim, _ = await person(s, "Kim", clock.now(), "console:kim")
        dana, _ = await person(s, "Dana", clock.now(), "discord:9")
    [to_bob] = await _notify(core, bob, "Booked with Asha")
    [to_kim] = await _notify(core, kim, "Booked with Ravi")
    await _notify(core, dana, "Parked one")
    assert await core.delivery.sweep() == 0
    text = (await admin.say("/admin outbox")) and admin.text()
    assert "Pending (waiting or retrying): 0" in text
    assert "Parked (platform switched off): 1 (discord 1)" in text
    assert "Dead (given up): 2 (console 2)" in text
    assert f"#{to_bob} to user {bob} on console, 1 attempts: attempt 1:" in text
    assert f"#{to_kim} to user {kim}" in text
    console.offline.clear()
    await admin.press(f"Retry #{to_bob}")
    assert "Retrying 1 dead letter now." in admin.text()
    assert [r.text for r in console.inbox["bob"]] == ["Booked with Asha"]
    await admin.say("/admin outbox retry all")
    assert "Retrying 1 dead letter now." in admin.text()
    assert [r.text for r in console.inbox["kim"]] == ["Booked with Ravi"]
    assert {r.state for r in await rows(db, [to_bob, to_kim])} == {SENT}
    await admin.say("/admin outbox retry all")
    assert "No such dead letter" in admin.text()
    await admin.say("/admin outbox retry x")
    assert "Usage: `/admin outbox retry ID`" in admin.text()
    stranger = ChatDriver(core, "eve")
    await stranger.say("/start")
    await stranger.say("/admin outbox")
    assert stranger.text() == "Only admins can do that."
