"""The community bridge's Discord side (issue #15): the real discord.py client over HTTP and
the gateway against the fake, a community linked to #general (by `/mentor community link`)
and to a Telegram group whose platform is a RecordingBridge (tests/relay_support.py)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestServer

from bots.discord import relay_in
from bots.discord.setup import DISCORDBOT
from core.app import CoreApp
from core.clock import ManualClock
from core.markup import platform_mention
from core.messaging import Actor, CommandIn, ConversationKey, Reply
from core.ports import ChatRef, Destination
from core.services.relay import Upload
from core.uow import unit_of_work
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import (
    ANNOUNCE_CHANNEL_ID,
    CHANNEL_ID,
    GUILD_MESSAGES,
    MANAGE_MESSAGES,
    MESSAGE_CONTENT,
    FakeDiscord,
)
from tests.relay_support import RecordingBridge, Shown
from tests.support import ChatDriver

ADMIN = "500000000000000009"  # a MentorBot admin (settings), so may link any community
ASHA, MANI, MEERA = "500000000000000041", "500000000000000042", "500000000000000043"
TG = ChatRef("telegram", "telegram", "-100")
DC = ChatRef("discord", "discord", CHANNEL_ID)
TG_BOSS = Actor("telegram", "telegram", "boss", "Boss")
RAVI = Actor("telegram", "telegram", "ravi", "Ravi")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 12


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@dataclass
class Linked:
    srv: TestServer
    tg: RecordingBridge  # the Telegram group -100
    code: str  # the community's invite code
    clock: ManualClock  # the app's


@pytest.fixture
async def linked(
    settings: Settings, fake_discord: FakeDiscord, clock: ManualClock
) -> AsyncIterator[Linked]:
    """The app, a community linked to the Telegram group -100 (a RecordingBridge)."""
    settings.admins = [*settings.admins, "telegram:boss"]
    fake_discord.add_user(ADMIN, "Dee")
    srv = await start_server(settings, clock)
    core = srv.app[CORE]
    code = await create_community(core)
    key = ConversationKey("telegram", "telegram", TG.chat_id, "boss")
    replies = await core.handle(TG_BOSS, CommandIn("community", f"link {code}"), key)
    assert "Linked to Python Learners" in replies[0].text
    tg = RecordingBridge("telegram")
    core.relay.register(tg)
    yield Linked(srv, tg, code, clock)
    await srv.close()


async def create_community(core: CoreApp) -> str:
    admin = ChatDriver(core, "admin", "web")  # web:admin is an admin in these settings
    await admin.say("/community create")
    await admin.say("Python Learners")
    await admin.say("Students helping each other with Python.")
    await admin.say("Python")
    await admin.press("public")
    assert "Created *Python Learners*" in admin.text(), admin.text()
    return admin.text().split("/community join ")[1].split("`")[0]


async def command_here(
    ln: Linked, fake: FakeDiscord, what: str, uid: str = ADMIN, channel: str = CHANNEL_ID
) -> str:
    """`/mentor community WHAT` run in a channel or thread; the answer's text."""
    token = await fake.slash(uid, "community", {"what": what}, channel=channel)
    await fake.wait_for(lambda: any(s.where == token and s.kind == "followup" for s in fake.sent))
    await ln.srv.app[DISCORDBOT].settle()
    return "\n".join(s.content for s in fake.sent if s.where == token)


async def link_here(ln: Linked, fake: FakeDiscord, channel: str = CHANNEL_ID) -> str:
    return await command_here(ln, fake, f"link {ln.code}", channel=channel)


async def relayed(ln: Linked, until: Callable[[], bool], limit_s: float = 10.0) -> None:
    """Drains the relay queue until the condition holds (the gateway event may still be
    on its way to the bot), two seconds passing between passes (rate limits refill)."""
    deadline = time.monotonic() + limit_s
    while True:
        await ln.srv.app[CORE].relay.drain()
        if until():
            return
        if time.monotonic() > deadline:
            raise AssertionError("not relayed in time")
        ln.clock.advance(timedelta(seconds=2))
        await asyncio.sleep(0.02)


async def remove_everywhere(core: CoreApp, discord_id: str) -> None:
    """What a community moderator's delete does in core (Relay.remove): every copy and the
    original go."""
    async with unit_of_work(core.deps) as u:
        ch = await u.relay.channel(DC)
        assert ch is not None
        msg = await u.relay.find(ch, discord_id)
        assert msg is not None and await u.relay.remove(msg)


def path_of(mid: str) -> str:
    return f"channels/{CHANNEL_ID}/messages/{mid}"


def tg_shown(tg: RecordingBridge) -> list[Shown]:
    return list(tg.chats.get(TG.chat_id, {}).values())


def test_mentions_become_people_and_plain_words() -> None:
    text = relay_in.markup_text(
        "hi <@1> and <@!2>, ask <@&3> in <#4> @everyone @here <:wave:55> </mentor find:9>",
        {1: "Asha"},
        lambda rid: "Mentors" if rid == 3 else None,
        lambda cid: None,
    )
    asha = platform_mention("discord", "discord", "1", "Asha")
    someone = platform_mention("discord", "discord", "2", "someone")
    assert text == (
        f"hi {asha} and {someone}, ask @Mentors in #channel everyone here :wave: /mentor find"
    )


async def test_linked_by_command_and_people_s_messages_reach_telegram_once_attributed(
    linked: Linked, fake_discord: FakeDiscord
) -> None:
    srv, tg = linked.srv, linked.tg
    core = srv.app[CORE]
    assert fake_discord.intents & GUILD_MESSAGES and fake_discord.intents & MESSAGE_CONTENT
    for uid, name in ((ASHA, "Asha"), (MANI, "Mani"), (MEERA, "Meera")):
        fake_discord.add_user(uid, name)
    # Meera isn't an owner, moderator or admin: core refuses her link.
    refused = await command_here(linked, fake_discord, f"link {linked.code}", uid=MEERA)
    assert "owners and moderators" in refused
    assert not await core.is_linked(ChatRef("discord", "discord", CHANNEL_ID))

    assert "Linked to Python Learners" in await link_here(linked, fake_discord)
    assert await core.is_linked(ChatRef("discord", "discord", CHANNEL_ID))
    # Chatter elsewhere, other bots and webhooks are not relayed.
    await fake_discord.say(ASHA, "not linked here", channel=ANNOUNCE_CHANNEL_ID)
    await fake_discord.say(MANI, "I am a bot", bot=True)
    await fake_discord.say(MANI, "a webhook post", webhook=True)
    first = await fake_discord.say(
        ASHA, "hi <@500000000000000042> and @everyone, see <#800000000000000002>", mentions=(MANI,)
    )
    await relayed(linked, lambda: len(tg_shown(tg)) == 1)
    (shown,) = tg_shown(tg)
    assert shown.text == "*Asha* · Discord\nhi @Mani and everyone, see #general"
    # A reply on Discord answers the Telegram copy of what it replies to.
    await fake_discord.say(MANI, "thanks!", reply_to=first)
    await relayed(linked, lambda: len(tg_shown(tg)) == 2)
    assert tg_shown(tg)[1].reply_to == shown.id
    assert tg_shown(tg)[1].text == "*Mani* · Discord\nthanks!"
    await core.relay.drain()
    assert [c[0] for c in tg.calls] == ["post", "post"]  # each once, nothing else

    # A thread is linked on its own; #general's link doesn't reach into it.
    thread = fake_discord.add_thread()
    await fake_discord.say(ASHA, "thread chatter before the link", channel=thread)
    assert "Linked to Python Learners" in await link_here(linked, fake_discord, thread)
    await fake_discord.say(ASHA, "in the thread", channel=thread)
    await relayed(linked, lambda: len(tg_shown(tg)) == 3)
    assert tg_shown(tg)[2].text == "*Asha* · Discord\nin the thread"
    # Unlinked from inside the thread: its messages stay there; #general is still linked.
    unlinked = await command_here(linked, fake_discord, "unlink", channel=thread)
    assert "Unlinked from Python Learners" in unlinked
    await fake_discord.say(ASHA, "thread only now", channel=thread)
    await fake_discord.say(ASHA, "general again")
    await relayed(linked, lambda: len(tg_shown(tg)) == 4)
    assert tg_shown(tg)[3].text == "*Asha* · Discord\ngeneral again"


async def test_telegram_copies_post_without_pings_replies_edits_and_deletes_follow(
    linked: Linked, fake_discord: FakeDiscord
) -> None:
    srv, tg = linked.srv, linked.tg
    core = srv.app[CORE]
    assert "Linked to" in await link_here(linked, fake_discord)
    assert await core.relay_said(RAVI, TG, "1", "@everyone look *here* <@123> @here")
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 1)
    (copy,) = fake_discord.bot_messages()
    sent = next(s for s in fake_discord.sent if s.id == copy["id"])
    assert sent.body["allowed_mentions"] == {"parse": []}  # nobody pinged, whatever it says
    assert copy["content"].startswith("**Ravi** · Telegram\n")
    assert "@everyone" not in copy["content"] and "@here" not in copy["content"]
    assert "@\u2060everyone" in copy["content"] and "\\*here\\*" in copy["content"]
    assert "<@123>" not in copy["content"]  # escaped: shows as typed, mentions no one

    # A Telegram reply to it replies to the copy here, without failing if it is gone.
    assert await core.relay_said(RAVI, TG, "2", "and more", reply_to="1")
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 2)
    answer = fake_discord.bot_messages()[1]
    body = next(s for s in fake_discord.sent if s.id == answer["id"]).body
    assert str(body["message_reference"]["message_id"]) == copy["id"]
    assert body["message_reference"]["fail_if_not_exists"] is False
    assert body["allowed_mentions"] == {"parse": []}

    # Someone removes that answer here; a reply to it from Telegram still goes out.
    await fake_discord.remove(answer["id"])
    assert await core.relay_said(RAVI, TG, "3", "re: more", reply_to="2")
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 2)
    orphan = fake_discord.bot_messages()[1]
    body = next(s for s in fake_discord.sent if s.id == orphan["id"]).body
    assert str(body["message_reference"]["message_id"]) == answer["id"]
    assert orphan["content"].endswith("re: more")
    # Longer than Discord's 2,000 characters: in parts, nothing cut.
    assert await core.relay_said(RAVI, TG, "4", "word " * 699 + "end")
    await relayed(linked, lambda: fake_discord.bot_messages()[-1]["content"].endswith("end"))
    parts = [m["content"] for m in fake_discord.bot_messages()[2:]]
    assert len(parts) > 1 and all(len(part) <= 2000 for part in parts)
    assert parts[0].startswith("**Ravi**")
    assert " ".join(parts).count("word") == 699

    # Edited and deleted on Telegram: the copy here follows.
    assert await core.relay_edited(TG, "1", "look here, edited")
    await relayed(linked, lambda: "edited" in fake_discord.messages[copy["id"]]["content"])
    assert fake_discord.messages[copy["id"]]["content"] == "**Ravi** · Telegram\nlook here, edited"
    assert await core.relay_deleted(TG, "1")
    await relayed(linked, lambda: copy["id"] not in fake_discord.messages)
    assert fake_discord.deleted == [(CHANNEL_ID, copy["id"])]

    # The gateway echoed every copy, edit and delete to the bot; none came back. A person's
    # message after them is relayed (events arrive in order), and only that.
    fake_discord.add_user(ASHA, "Asha")
    await fake_discord.say(ASHA, "hello from Discord")
    await relayed(linked, lambda: len(tg_shown(tg)) == 1)
    await core.relay.drain()
    assert [s.text for s in tg_shown(tg)] == ["*Asha* · Discord\nhello from Discord"]
    assert tg.calls == [("post", TG.chat_id, tg_shown(tg)[0].id)]
    assert fake_discord.refused == []


async def test_discord_edits_deletes_and_files_cross_both_ways(
    linked: Linked, fake_discord: FakeDiscord
) -> None:
    srv, tg = linked.srv, linked.tg
    core = srv.app[CORE]
    assert "Linked to" in await link_here(linked, fake_discord)
    fake_discord.add_user(ASHA, "Asha")
    mid = await fake_discord.say(ASHA, "typo heer")
    await relayed(linked, lambda: len(tg_shown(tg)) == 1)
    await fake_discord.edit(mid, "typo here")
    await relayed(linked, lambda: tg_shown(tg)[0].text.endswith("typo here"))
    await fake_discord.remove(mid)
    await relayed(linked, lambda: tg_shown(tg) == [])

    # Deleted everywhere by core (as community moderation does): the original here goes too,
    # when MentorBot has Manage Messages; without it the message stays and the link holds.
    kept = await fake_discord.say(ASHA, "stays without Manage Messages")
    gone = await fake_discord.say(ASHA, "goes with it")
    await relayed(linked, lambda: len(tg_shown(tg)) == 2)
    await remove_everywhere(core, kept)
    await relayed(linked, lambda: len(tg_shown(tg)) == 1)
    assert kept in fake_discord.messages and (path_of(kept), 403, 50013) in fake_discord.refused
    assert await core.is_linked(DC)
    fake_discord.bot_permissions |= MANAGE_MESSAGES
    await remove_everywhere(core, gone)
    await relayed(linked, lambda: gone not in fake_discord.messages and tg_shown(tg) == [])
    fake_discord.refused.clear()

    # An image from Discord is downloaded and shared with Telegram as a file.
    # A second file is named, not carried.
    files = (("diagram.png", "image/png", PNG), ("notes.txt", "text/plain", b"n" * 3000))
    await fake_discord.say(ASHA, "my diagram", files=files)
    await relayed(linked, lambda: len(tg_shown(tg)) == 1)
    assert tg_shown(tg)[0].file == "diagram.png"
    assert tg_shown(tg)[0].text == (
        "*Asha* · Discord\nmy diagram\n📎 notes.txt (3 KB, shared on Discord only)"
    )
    history = await core.room_history(1)
    file_id, token = history[-1].file_url.rstrip("/").split("/")[-2:]
    assert await core.shared_file(int(file_id), token) == ("diagram.png", "image/png", PNG)
    # One too big to fetch is named, not carried.
    await fake_discord.say(
        ASHA, "", files=(("huge.zip", "application/zip", b"x"),), claimed_size=30 * 1024 * 1024
    )
    await relayed(linked, lambda: len(tg_shown(tg)) == 2)
    assert tg_shown(tg)[1].text == "*Asha* · Discord\n📎 huge.zip (30.0 MB, shared on Discord only)"
    assert tg_shown(tg)[1].file is None

    # From Telegram: an image is re-uploaded here; a file over Discord's 10 MiB is a link.
    await core.relay_said(RAVI, TG, "7", "cat", upload=Upload("cat.png", "image/png", PNG))
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 1)
    sent = next(s for s in fake_discord.sent if s.id == fake_discord.bot_messages()[0]["id"])
    # discord.py sends every file as application/octet-stream; Discord goes by the name.
    assert [(name, data) for name, _type, data in sent.files] == [("cat.png", PNG)]
    big = b"\0" * (10 * 1024 * 1024 + 1)
    await core.relay_said(
        RAVI, TG, "8", "slides", upload=Upload("slides.pdf", "application/pdf", big)
    )
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 2)
    last = fake_discord.bot_messages()[1]
    sent = next(s for s in fake_discord.sent if s.id == last["id"])
    assert sent.files == [] and last["attachments"] == []
    assert "\n📎 slides.pdf: <http" in last["content"] and "/files/" in last["content"]
    assert fake_discord.refused == []


async def test_429_delays_then_delivers_once_and_an_unknown_channel_stops_relaying(
    linked: Linked, fake_discord: FakeDiscord, clock: ManualClock
) -> None:
    srv = linked.srv
    core = srv.app[CORE]
    assert "Linked to" in await link_here(linked, fake_discord)
    thread = fake_discord.add_thread()
    assert "Linked to" in await link_here(linked, fake_discord, thread)
    path = f"channels/{CHANNEL_ID}/messages"
    headers = {"Retry-After": "120", "Via": "1.1 google", "X-RateLimit-Scope": "user"}
    limited = {"message": "You are being rate limited.", "retry_after": 120, "global": False}
    fake_discord.fail_once(path, 429, limited, headers)
    assert await core.relay_said(RAVI, TG, "1", "busy now")
    await core.relay.drain()  # discord.py won't wait 120 s: the queue keeps it for later
    assert fake_discord.bot_messages() == []
    await core.relay.drain()
    assert fake_discord.bot_messages() == []  # not before retry_after
    clock.advance(timedelta(seconds=121))
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 1)
    await core.relay.drain()
    assert fake_discord.requests.count(("POST", path)) == 2  # the 429, then the post
    assert len(fake_discord.bot_messages()) == 1  # exactly once
    # A short 429: discord.py waits it out itself, still exactly once.
    fake_discord.fail_once(path, 429, {**limited, "retry_after": 0.05}, headers)
    assert await core.relay_said(RAVI, TG, "2", "again")
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 2)
    assert [m["content"].split("\n")[1] for m in fake_discord.bot_messages()] == [
        "busy now",
        "again",
    ]

    # No access to the thread any more (403 Missing Access): relaying there stops.
    missing = {"message": "Missing Access", "code": 50001}
    fake_discord.fail_once(f"channels/{thread}/messages", 403, missing)
    assert await core.relay_said(RAVI, TG, "2b", "to the thread?")
    await relayed(linked, lambda: len(fake_discord.bot_messages()) == 3)
    assert not await core.is_linked(ChatRef("discord", "discord", thread))
    assert len(fake_discord.bot_messages(thread)) == 2  # the two before, not this one
    assert await core.is_linked(DC)

    # A DM notification Discord would hold for a minute goes back to the outbox.
    fake_discord.add_user(ASHA, "Asha")
    dm = fake_discord._dm_for(ASHA)
    fake_discord.fail_once(f"channels/{dm}/messages", 429, {**limited, "retry_after": 60}, headers)
    bot = srv.app[DISCORDBOT]
    assert not await bot.deliver(Destination(1, "discord", "discord", ASHA), [Reply("hi")])

    # The channel is deleted: Discord answers 10003 Unknown Channel; relaying there stops.
    fake_discord.deleted_channels.add(CHANNEL_ID)
    assert await core.relay_said(RAVI, TG, "3", "anyone?")
    await core.relay.drain()
    assert (path, 404, 10003) in fake_discord.refused
    assert not await core.is_linked(ChatRef("discord", "discord", CHANNEL_ID))
    tried = fake_discord.requests.count(("POST", path))
    await core.relay_said(RAVI, TG, "4", "still there?")
    await core.relay.drain()
    assert fake_discord.requests.count(("POST", path)) == tried  # not asked again


async def test_a_bot_without_the_message_content_intent_still_connects_and_answers(
    settings: Settings, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    """Discord closes the gateway (4014) for a privileged intent the bot wasn't given."""
    fake_discord.allowed_intents = ~MESSAGE_CONTENT
    with caplog.at_level(logging.ERROR, logger="bots.discord.bot"):
        srv = await start_server(settings)
    try:
        await fake_discord.wait_for(fake_discord.ready_sent.is_set)
        assert fake_discord.connections == 2  # refused once, then without Message Content
        assert fake_discord.intents & GUILD_MESSAGES and not fake_discord.intents & MESSAGE_CONTENT
        assert "may not use the Message Content intent" in caplog.text
        user = DiscordUser(srv, fake_discord, ASHA, "Asha")
        await user.slash("help")
        assert "/mentor find" in user.text()
    finally:
        await srv.close()
