"""Community moderation (issue #15 item 4) through the real runner, dialogs and bridge: a
moderator's delete removes every copy, a ban stops a person on every linked account, mutes
end, slow mode and the filter hold messages at the bridge, reports go to a queue, rules show
on join, and every action is in the audit log."""

from __future__ import annotations

from datetime import timedelta

from core.app import CoreApp
from core.clock import ManualClock
from core.messaging import ActionIn, Actor, CommandIn, ConversationKey, Reply
from core.ports import ChatRef
from tests.relay_support import RecordingBridge
from tests.support import find_button
from tests.unit.test_relay import DC, SL, TG, asha, boss, bridged, settle

__all__ = ["bridged"]  # the fixture, shared with test_relay


async def in_chat(core: CoreApp, actor: Actor, chat: ChatRef, args: str) -> list[Reply]:
    key = ConversationKey(actor.platform, actor.workspace, chat.chat_id, actor.external_id)
    return await core.handle(actor, CommandIn("community", args), key)


def text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def test_a_moderators_delete_removes_every_copy_and_the_original(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, b = bridged
    await core.relay_said(asha(), TG, "1", "spam spam")
    await settle(core, clock)
    (msg,) = await core.room_history(1)
    said = text(await in_chat(core, boss("discord"), DC, f"delete #{msg.id} spam"))
    assert said == "Deleted everywhere."
    await settle(core, clock)
    assert b["discord"].chats["c1"] == {} and b["slack"].chats["C1"] == {}
    assert ("delete", "-100", "1") in b["telegram"].calls  # the original in Telegram too
    assert (await core.room_history(1))[0].deleted
    log = text(await in_chat(core, boss("slack"), SL, "audit"))
    assert "delete Asha message #1 (spam)" in log


async def test_a_ban_stops_a_person_on_every_linked_account(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, b = bridged
    await core.relay_said(asha("telegram"), TG, "1", "first")
    await core.relay_said(asha("discord"), DC, "d1", "hello from discord")
    # Asha's Discord account is linked to her Telegram one: one person.
    async with core.uow() as u:
        tg_user = await u.identity.find(asha("telegram"))
        dc_user = await u.identity.find(asha("discord"))
        assert tg_user is not None and dc_user is not None
        await u.identity.merge(dc_user.id, tg_user.id)
    said = text(await in_chat(core, boss("telegram"), TG, "ban Asha trolling"))
    assert said == "Asha is banned."
    assert not await core.relay_said(asha("telegram"), TG, "2", "still here?")
    assert not await core.relay_said(asha("discord"), DC, "d2", "and here?")
    await settle(core, clock)
    shown = b["slack"].texts("C1")
    assert not any("still here" in t or "and here" in t for t in shown)
    # Banned people can't join again from the web room either.
    view = await core.room("python-learners", None)
    assert view is not None
    try:
        await core.room_join(asha("telegram"), view.id)
        raise AssertionError("a banned person joined")
    except Exception as exc:
        assert "banned" in str(exc)
    assert "may write again" in text(await in_chat(core, boss("telegram"), TG, "unban Asha"))
    assert await core.relay_said(asha("discord"), DC, "d3", "I'm back")


async def test_a_mute_ends_on_time_and_moderators_are_not_muted_by_members(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, _ = bridged
    await core.relay_said(asha(), TG, "1", "hi")
    assert "muted for 30 minutes" in text(await in_chat(core, boss("telegram"), TG, "mute Asha 30"))
    assert not await core.relay_said(asha(), TG, "2", "muted?")
    clock.advance(timedelta(minutes=31))
    assert await core.relay_said(asha(), TG, "3", "back")
    # Asha is no moderator: she can't ban anyone, nor delete.
    refused = text(await in_chat(core, asha(), TG, "ban Boss"))
    assert "Only the community's owners and moderators" in refused


async def test_slow_mode_and_the_filter_hold_messages_at_the_bridge(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, _ = bridged
    await in_chat(core, boss("telegram"), TG, "slowmode 60")
    assert await core.relay_said(asha(), TG, "1", "one")
    assert not await core.relay_said(asha(), TG, "2", "two, too soon")
    clock.advance(timedelta(seconds=61))
    assert await core.relay_said(asha(), TG, "3", "three")
    await in_chat(core, boss("telegram"), TG, "slowmode 0")
    said = text(await in_chat(core, boss("telegram"), TG, "filter add crypto"))
    assert said == "Filtered words: crypto"
    await in_chat(core, boss("telegram"), TG, "filter links on")
    assert not await core.relay_said(asha(), TG, "4", "buy CRYPTO now")
    assert not await core.relay_said(asha(), TG, "5", "see https://example.com")
    assert await core.relay_said(asha(), TG, "6", "cryptography is fun")  # a word, not a part


async def test_reports_reach_the_queue_and_rules_show_on_join(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, b = bridged
    await core.relay_said(asha(), TG, "1", "rude words")
    await settle(core, clock)
    (copy,) = b["discord"].chats["c1"]
    ravi = Actor("discord", "guild1", "ravi", "Ravi")
    # Ravi replies to the copy with /community report (the adapter adds msg:<id>).
    said = text(await in_chat(core, ravi, DC, f"report msg:{copy} not nice"))
    assert "moderators will look at it" in said
    again = text(await in_chat(core, ravi, DC, f"report msg:{copy}"))
    assert "already" in again
    queue = await in_chat(core, boss("slack"), SL, "queue")
    assert "#1 by *Asha* (1 report: not nice)" in text(queue)
    done = await core.handle(
        boss("slack"),
        ActionIn(find_button(queue, "Delete #1")),
        ConversationKey("slack", "T1", "C1", "boss"),
    )
    assert text(done) == "Deleted everywhere."
    assert text(await in_chat(core, boss("slack"), SL, "queue")) == "No open reports."
    await in_chat(core, boss("telegram"), TG, "rules Be kind. No spam.")
    joined = await core.handle(
        Actor("console", "console", "newbie", "Newbie"), CommandIn("community", "browse python")
    )
    pressed = await core.handle(
        Actor("console", "console", "newbie", "Newbie"), ActionIn(find_button(joined, "Join"))
    )
    assert "*Rules*\nBe kind. No spam." in text(pressed)


async def test_members_asking_for_moderation_get_a_clear_answer(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]],
) -> None:
    core, _ = bridged
    member = Actor("console", "console", "newbie", "Newbie")
    said = text(await core.handle(member, CommandIn("community", "ban Asha")))
    assert said == "Only a community's owners and moderators (or an admin) can do that."
    said = text(await core.handle(member, CommandIn("community", "report #999 spam")))
    assert said == "I can't find message #999 — check its number."
