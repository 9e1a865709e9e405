"""One community across all four (issue #15, "Tests that must exist"): ONE app (one core) with
the real aiogram, slack-bolt and discord.py stacks against their local fakes, and the web room
at /c/{slug} over a real WebSocket. The Telegram group, the Slack channel and the Discord
channel are each linked by the platform's own command typed there. The relay is drained by
hand while the ManualClock moves (tick_seconds=0: its background loop only drains on writes)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bots.discord.setup import DISCORDBOT
from bots.slack.bot import SlackBot
from bots.slack.manifest import manifest
from bots.slack.setup import SLACKBOT
from bots.telegram.bot import TelegramBot
from bots.telegram.setup import TELEGRAM
from core.app import CoreApp
from core.clock import ManualClock
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.fake_discord import CHANNEL_ID, MANAGE_MESSAGES, FakeDiscord
from tests.adapters.slack.driver import (
    FORM_TYPE,
    JSON_TYPE,
    SECRET,
    SlackUser,
    channel_body,
    command_body,
    deliver,
)
from tests.adapters.slack.fake_slack import FakeSlack, Posted
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.fakeapi import Sent as TgSent
from tests.adapters.telegram.tguser import TgUser
from tests.adapters.web.test_rooms import Room
from tests.unit.test_communities import admin_creates

GROUP = -100555  # the Telegram group
TG_ADMIN = 900  # a MentorBot admin on Telegram (settings): may link and moderate
OM, RAVI_TG = 707, 808  # Telegram people
SL_CHANNEL = "C1"
DC_ADMIN = "500000000000000009"
ASHA = "500000000000000041"  # on Discord
SLUG = "python-learners"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@dataclass
class Fakes:
    tg: FakeBotAPI
    slack: FakeSlack
    discord: FakeDiscord


@dataclass
class Four:
    """The app on the three fakes; helpers to act as people on each platform."""

    srv: TestServer
    fakes: Fakes
    clock: ManualClock

    @property
    def core(self) -> CoreApp:
        return self.srv.app[CORE]

    @property
    def tg(self) -> TelegramBot:
        return self.srv.app[TELEGRAM]

    @property
    def slackbot(self) -> SlackBot:
        return self.srv.app[SLACKBOT]

    def tg_user(self, uid: int, name: str, chat_id: int = GROUP) -> TgUser:
        return TgUser(self.fakes.tg, self.tg, uid, name, chat_id=chat_id)

    async def tg_update(self, update: dict[str, Any]) -> None:
        uid = self.fakes.tg.push(update)
        await self.tg.wait_finished(uid, within_s=15)

    async def slack_command(self, user: str, text: str) -> str:
        """`/mentor TEXT` typed in the linked channel; the answer (response_url)."""
        fake = self.fakes.slack
        seen = len(fake.responses)
        body = command_body(
            "T1", user, user.lower(), text, SL_CHANNEL, response_url=fake.base + "/response"
        )
        [sent] = await deliver(self.srv, body, FORM_TYPE)
        await self.slackbot.settle()
        assert sent.acked
        [answer] = fake.responses[seen:]
        return str(answer["text"])

    async def slack_event(self, event: dict[str, Any]) -> None:
        attempts = await deliver(self.srv, channel_body("T1", event), JSON_TYPE)
        assert [a.status for a in attempts] == [200]
        await self.slackbot.settle()

    async def discord_command(self, uid: str, what: str) -> str:
        fake = self.fakes.discord
        token = await fake.slash(uid, "community", {"what": what}, channel=CHANNEL_ID)
        await fake.wait_for(
            lambda: any(s.where == token and s.kind == "followup" for s in fake.sent)
        )
        await self.srv.app[DISCORDBOT].settle()
        return "\n".join(s.content for s in fake.sent if s.where == token)

    async def relayed(
        self, until: Callable[[], bool] = lambda: False, limit_s: float = 10.0
    ) -> None:
        """Drains the relay, time passing between passes (buckets refill, retries fall due),
        until the condition holds and nothing is left to do; gateway events may still be on
        their way to the bot, so a few real moments pass between passes (bounded)."""
        deadline = time.monotonic() + limit_s
        idle = 0
        while True:
            n = await self.core.relay.drain()
            await self.slackbot.settle()
            idle = idle + 1 if n == 0 else 0
            if until() and idle >= 3:
                return
            if time.monotonic() > deadline:
                if until():
                    return
                raise AssertionError("not relayed in time")
            self.clock.advance(timedelta(seconds=5))
            await asyncio.sleep(0.02)


def settings_for(tmp_path: Path, fakes: Fakes) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/four.db",
        data_dir=tmp_path,
        secret_key="four-ways",  # type: ignore[arg-type]
        admins=[f"telegram:{TG_ADMIN}", "slack:T1:UADMIN", f"discord:{DC_ADMIN}", "console:admin"],
        telegram_token=fakes.tg.token,  # type: ignore[arg-type]
        telegram_api_url=fakes.tg.url,
        telegram_mode="polling",
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
        slack_api_url=fakes.slack.url,
        discord_token="fake-discord-token",  # type: ignore[arg-type]
        discord_api_url=fakes.discord.api_url,
        discord_gateway_url=fakes.discord.gateway_url,
        tick_seconds=0,
        match_model="none",
    )


async def start_four(tmp_path: Path, fakes: Fakes, clock: ManualClock) -> Four:
    srv = await start_server(settings_for(tmp_path, fakes), clock)
    assert TELEGRAM in srv.app and SLACKBOT in srv.app, "every platform is on in one app"
    return Four(srv, fakes, clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    f = Fakes(FakeBotAPI(), FakeSlack(), FakeDiscord())
    await f.tg.start()
    await f.slack.start()
    await f.discord.start()
    f.slack.granted = set(manifest("https://mentor.example.com")["oauth_config"]["scopes"]["bot"])
    for user, name in (("UADMIN", "Admin"), ("URAVI", "Ravi Kumar")):
        f.slack.names[user] = name
    f.slack.add_channel(SL_CHANNEL)
    f.discord.add_user(DC_ADMIN, "Dee")
    f.discord.add_user(ASHA, "Asha")
    yield f
    await f.discord.close()
    await f.slack.close()
    await f.tg.close()


@pytest.fixture
async def four(tmp_path: Path, fakes: Fakes, clock: ManualClock) -> AsyncIterator[Four]:
    """The app; the community linked in Telegram, Slack and Discord by their own commands."""
    f = await start_four(tmp_path, fakes, clock)
    try:
        code = await admin_creates(f.core, "Python Learners", "Python", "public")
        boss = f.tg_user(TG_ADMIN, "Boss")
        await boss.say(f"/community link {code}")
        assert "Linked to Python Learners" in boss.text()
        assert "Linked to Python Learners" in await f.slack_command(
            "UADMIN", f"community link {code}"
        )
        assert "Linked to Python Learners" in await f.discord_command(DC_ADMIN, f"link {code}")
        yield f
    finally:
        await f.srv.close()


# ---- what each platform shows ----


def tg_copies(f: Four, needle: str) -> list[TgSent]:
    """The bot's messages in the Telegram group (copies) that contain this, deleted or not."""
    return [m for m in f.fakes.tg.chat_messages(GROUP) if needle in m.html]


def slack_copies(f: Four, needle: str) -> list[Posted]:
    """The app's own messages now in the Slack channel containing this."""
    return [
        p
        for p in f.fakes.slack.live(SL_CHANNEL)
        if not p.user and needle in p.text + json.dumps(p.blocks)
    ]


def slack_mrkdwn(p: Posted) -> str:
    return "\n".join(
        b["text"]["text"] for b in p.blocks if b.get("type") == "section" and "text" in b
    )


def discord_copies(f: Four, needle: str) -> list[dict[str, Any]]:
    return [m for m in f.fakes.discord.bot_messages() if needle in m["content"]]


def web_copies(room: Room, needle: str) -> list[dict[str, Any]]:
    """The room's messages (each id once, latest state) whose text contains this."""
    latest: dict[Any, dict[str, Any]] = {}
    for m in room.seen:
        latest[m["id"]] = m
    return [m for m in latest.values() if needle in m["html"]]


async def web_sees(room: Room, needle: str) -> dict[str, Any]:
    while not web_copies(room, needle):
        await room.until("message")
    [m] = web_copies(room, needle)
    return m


def everywhere(f: Four, room: Room, needle: str) -> tuple[int, int, int, int]:
    return (
        len(tg_copies(f, needle)),
        len(slack_copies(f, needle)),
        len(discord_copies(f, needle)),
        len(web_copies(room, needle)),
    )


def photo_update(
    api: FakeBotAPI, uid: int, name: str, file_id: str, caption: str
) -> dict[str, Any]:
    update = api.text_update(uid, "", chat_id=GROUP, first_name=name)
    msg = update["message"]
    del msg["text"]
    msg["caption"] = caption
    msg["photo"] = [{"file_id": file_id, "file_unique_id": "u" + file_id, "width": 9,
                     "height": 9, "file_size": len(api.files[file_id])}]  # fmt: skip
    return update


# ---- the journeys ----


async def test_a_message_from_each_platform_reaches_the_other_three_once_attributed(
    four: Four,
) -> None:
    f = four
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        # Telegram → Slack, Discord, web; no copy back in the group.
        om = f.tg_user(OM, "Om")
        assert await om.say("hello from telegram") == []
        await f.relayed(lambda: everywhere(f, room, "hello from telegram")[:3] == (0, 1, 1))
        await web_sees(room, "hello from telegram")
        assert everywhere(f, room, "hello from telegram") == (0, 1, 1, 1)
        [sl] = slack_copies(f, "hello from telegram")
        assert slack_mrkdwn(sl).startswith("*Om* · Telegram\n")
        [dc] = discord_copies(f, "hello from telegram")
        assert dc["content"] == "**Om** · Telegram\nhello from telegram"
        [web] = web_copies(room, "hello from telegram")
        assert (web["author"], web["platform"]) == ("Om", "Telegram")

        # Slack → Telegram, Discord, web; the app posts nothing of it back in the channel.
        await f.slack_event(f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "hello from slack"))
        await f.relayed(lambda: everywhere(f, room, "hello from slack")[:3] == (1, 0, 1))
        await web_sees(room, "hello from slack")
        assert everywhere(f, room, "hello from slack") == (1, 0, 1, 1)
        [tg] = tg_copies(f, "hello from slack")
        assert tg.html == "<b>Ravi Kumar</b> · Slack\nhello from slack"
        assert discord_copies(f, "hello from slack")[0]["content"] == (
            "**Ravi Kumar** · Slack\nhello from slack"
        )
        [web] = web_copies(room, "hello from slack")
        assert (web["author"], web["platform"]) == ("Ravi Kumar", "Slack")

        # Discord → Telegram, Slack, web; no bot copy in the Discord channel.
        await f.fakes.discord.say(ASHA, "hello from discord")
        await f.relayed(lambda: everywhere(f, room, "hello from discord")[:3] == (1, 1, 0))
        await web_sees(room, "hello from discord")
        assert everywhere(f, room, "hello from discord") == (1, 1, 0, 1)
        assert tg_copies(f, "hello from discord")[0].html == (
            "<b>Asha</b> · Discord\nhello from discord"
        )
        [sl] = slack_copies(f, "hello from discord")
        assert slack_mrkdwn(sl).startswith("*Asha* · Discord\n")
        [web] = web_copies(room, "hello from discord")
        assert (web["author"], web["platform"]) == ("Asha", "Discord")

        # The web room → all three platforms.
        await room.send({"type": "join"})
        assert (await room.until("room"))["member"] is True
        await room.send({"type": "say", "text": "hello from the web"})
        mine = await web_sees(room, "hello from the web")
        assert mine["platform"] == "Web"
        await f.relayed(lambda: everywhere(f, room, "hello from the web")[:3] == (1, 1, 1))
        who = mine["author"]
        assert tg_copies(f, "hello from the web")[0].html == (
            f"<b>{who}</b> · Web\nhello from the web"
        )
        assert slack_mrkdwn(slack_copies(f, "hello from the web")[0]).startswith(f"*{who}* · Web")
        assert discord_copies(f, "hello from the web")[0]["content"] == (
            f"**{who}** · Web\nhello from the web"
        )
        # Nothing was sent twice anywhere, nothing refused.
        for needle in ("hello from telegram", "hello from slack", "hello from discord"):
            assert sum(everywhere(f, room, needle)) == 3, needle
        assert sum(everywhere(f, room, "hello from the web")) == 4
        assert f.fakes.slack.refused == [] and f.fakes.discord.refused == []
    finally:
        await room.close()


async def test_replies_stay_replies_edits_follow_and_a_moderator_s_delete_removes_every_copy(
    four: Four,
) -> None:
    f = four
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        om = f.tg_user(OM, "Om")
        await om.say("how do decorators work?")
        await f.relayed(lambda: everywhere(f, room, "decorators")[:3] == (0, 1, 1))
        original = await web_sees(room, "decorators")
        om_mid = max(mid for (chat, mid) in f.fakes.tg.inbox if chat == GROUP)

        # Asha replies on Discord to the copy there: a reply to Om's own message in Telegram,
        # a reply in the Slack copy's thread, a reply in the web room.
        [dc_copy] = discord_copies(f, "decorators")
        await f.fakes.discord.say(ASHA, "use functools.wraps", reply_to=dc_copy["id"])
        await f.relayed(lambda: everywhere(f, room, "wraps")[:3] == (1, 1, 0))
        [tg_answer] = tg_copies(f, "wraps")
        assert tg_answer.reply_to_id == om_mid
        [sl_copy] = slack_copies(f, "decorators")
        [sl_answer] = slack_copies(f, "wraps")
        assert sl_answer.thread_ts == sl_copy.ts
        answer = await web_sees(room, "wraps")
        assert answer["reply_to"] == original["id"]

        # Ravi answers in the Slack thread of that copy: the reply reaches Discord as a reply
        # to Om's copy there, and Telegram as a reply to Om's message.
        await f.slack_event(
            f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "or a class", thread_ts=sl_copy.ts)
        )
        await f.relayed(lambda: everywhere(f, room, "or a class")[:3] == (1, 0, 1))
        assert tg_copies(f, "or a class")[0].reply_to_id == om_mid
        [dc_reply] = discord_copies(f, "or a class")
        sent = next(s for s in f.fakes.discord.sent if s.id == dc_reply["id"])
        assert str(sent.body["message_reference"]["message_id"]) == dc_copy["id"]

        # Ravi edits in Slack (message_changed): the Telegram and Discord copies follow.
        [ravi_post] = [p for p in f.fakes.slack.live(SL_CHANNEL) if "or a class" in p.text]
        await f.slack_event(f.fakes.slack.user_edits(ravi_post, "or a callable class instance"))
        await f.relayed(
            lambda: (
                bool(tg_copies(f, "callable class")) and bool(discord_copies(f, "callable class"))
            )
        )
        [tg_edited] = tg_copies(f, "callable class")
        assert tg_edited.edits >= 1 and tg_edited.html.endswith("or a callable class instance")
        assert discord_copies(f, "callable class")[0]["content"].endswith(
            "or a callable class instance"
        )
        assert len(discord_copies(f, "class")) == 1  # edited in place, not posted again
        assert len(tg_copies(f, "class")) == 1
        edited = await web_sees(room, "callable class")
        assert edited["edited"]

        # The Telegram admin deletes Asha's answer everywhere (#ID as the web room shows it):
        # the Telegram copy, the Slack copy and her original on Discord go; the room shows it
        # deleted.
        dc_answer_id = next(
            m["id"]
            for m in f.fakes.discord.messages.values()
            if "wraps" in m["content"] and m["author"]["id"] == ASHA
        )
        f.fakes.discord.bot_permissions |= MANAGE_MESSAGES  # may remove a person's message
        boss = f.tg_user(TG_ADMIN, "Boss")
        await boss.say(f"/community delete #{answer['id']}")
        await f.relayed(lambda: tg_answer.deleted and not slack_copies(f, "wraps"))
        await f.relayed(lambda: dc_answer_id not in f.fakes.discord.messages)
        assert tg_answer.deleted and slack_copies(f, "wraps") == []
        assert sl_answer.deleted and dc_answer_id not in f.fakes.discord.messages
        gone = await room.until("message", id=answer["id"])
        assert gone["deleted"] is True and gone["html"] == ""
        # The rest of the conversation is untouched.
        assert everywhere(f, room, "decorators")[:3] == (0, 1, 1)
    finally:
        await room.close()


async def test_an_image_from_telegram_is_reuploaded_and_everyone_stays_inert_on_discord(
    four: Four,
) -> None:
    f = four
    f.fakes.tg.files["ph1"] = PNG
    await f.tg_update(photo_update(f.fakes.tg, OM, "Om", "ph1", "my diagram"))
    await f.relayed(
        lambda: bool(discord_copies(f, "my diagram")) and bool(f.fakes.slack.files_in(SL_CHANNEL))
    )
    [dc] = discord_copies(f, "my diagram")
    sent = next(s for s in f.fakes.discord.sent if s.id == dc["id"])
    assert [(name, data) for name, _type, data in sent.files] == [("photo.jpg", PNG)]
    [up] = f.fakes.slack.files_in(SL_CHANNEL)
    assert up.filename == "photo.jpg" and up.data == PNG
    assert slack_copies(f, "my diagram")
    # ...and kept for the web room, served back as the same image.
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        [web] = web_copies(room, "my diagram")
        assert web["file"]["kind"] == "image" and (web["author"], web["platform"]) == (
            "Om",
            "Telegram",
        )
        async with room.http.get(room.base + web["file"]["url"]) as r:
            assert r.status == 200 and await r.read() == PNG
    finally:
        await room.close()

    # @everyone typed on Telegram: on Discord it pings nobody and isn't a bare @everyone.
    om = f.tg_user(OM, "Om")
    await om.say("@everyone look @here")
    await f.relayed(lambda: bool(discord_copies(f, "look")))
    [dc] = discord_copies(f, "look")
    sent = next(s for s in f.fakes.discord.sent if s.id == dc["id"])
    assert sent.body["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in dc["content"] and "@here" not in dc["content"]
    assert "everyone" in dc["content"]


async def test_a_ban_stops_a_person_on_every_platform(four: Four) -> None:
    f = four
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        # Ravi is on Slack and Telegram, one profile (/link).
        ravi_sl = SlackUser(f.srv, f.fakes.slack, "URAVI", "Ravi Kumar")
        await ravi_sl.command("link")
        code = ravi_sl.text().split("`")[1]
        ravi_dm = f.tg_user(RAVI_TG, "Ravi", chat_id=RAVI_TG)
        await ravi_dm.say(f"/link {code}")
        assert "Linked ✅" in ravi_dm.text() and "Ravi Kumar" in ravi_dm.text(), ravi_dm.text()
        await f.slack_event(f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "before the ban"))
        await f.relayed(lambda: everywhere(f, room, "before the ban")[:3] == (1, 0, 1))

        boss = f.tg_user(TG_ADMIN, "Boss")
        await boss.say("/community ban Ravi Kumar spam")
        assert "Ravi Kumar is banned" in boss.text(), boss.text()
        await f.slack_event(f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "after the ban one"))
        ravi_group = f.tg_user(RAVI_TG, "Ravi")
        await ravi_group.say("after the ban two")
        await f.relayed(lambda: True)
        # Someone else's message still goes through, after those: they were not just slow.
        await f.fakes.discord.say(ASHA, "still open")
        await f.relayed(lambda: everywhere(f, room, "still open")[:3] == (1, 1, 0))
        await web_sees(room, "still open")
        assert everywhere(f, room, "after the ban") == (0, 0, 0, 0)
    finally:
        await room.close()


async def test_a_platform_down_or_answering_429_gets_its_copies_later_once_even_across_a_restart(
    tmp_path: Path, fakes: Fakes, clock: ManualClock
) -> None:
    f = await start_four(tmp_path, fakes, clock)
    try:
        code = await admin_creates(f.core, "Python Learners", "Python", "public")
        await f.tg_user(TG_ADMIN, "Boss").say(f"/community link {code}")
        assert "Linked to" in await f.slack_command("UADMIN", f"community link {code}")
        assert "Linked to" in await f.discord_command(DC_ADMIN, f"link {code}")
        # Slack is down; Discord answers 429 with a long retry_after.
        fakes.slack.down = True
        path = f"channels/{CHANNEL_ID}/messages"
        limited = {"message": "You are being rate limited.", "retry_after": 120, "global": False}
        fakes.discord.fail_once(path, 429, limited, {"Retry-After": "120"})
        om = f.tg_user(OM, "Om")
        for n in range(3):
            await om.say(f"queued {n}")
        await f.relayed(lambda: True, limit_s=2)
        assert slack_copies(f, "queued") == [] and discord_copies(f, "queued") == []
        tried = [c.status for c in fakes.slack.calls if c.method == "chat.postMessage"]
        assert tried and set(tried) == {503}  # Slack was asked, and was down
        assert fakes.discord.requests.count(("POST", path)) == 1  # the 429
        assert len(tg_copies(f, "queued")) == 0  # Telegram's own: no copy back
    finally:
        await f.srv.close()

    # The app restarts over the same database; Slack is back.
    fakes.slack.down = False
    clock.advance(timedelta(minutes=6))
    f = await start_four(tmp_path, fakes, clock)
    try:
        await f.relayed(
            lambda: len(slack_copies(f, "queued")) == 3 and len(discord_copies(f, "queued")) == 3
        )
        for n in range(3):
            assert len(slack_copies(f, f"queued {n}")) == 1
            assert len(discord_copies(f, f"queued {n}")) == 1
        posts = [c for c in fakes.discord.requests if c == ("POST", path)]
        assert len(posts) == 4  # the 429, then each copy once
        assert [p.text.split("\n")[-1] for p in slack_copies(f, "queued")] == [
            f"queued {n}" for n in range(3)
        ]
        assert tg_copies(f, "queued") == []
    finally:
        await f.srv.close()
