"""The community bridge's Slack side (issue #15): slack-bolt and slack_sdk over real HTTP to the
fake. A channel is linked by `/mentor community link CODE` typed in it; its people's messages
(text, thread replies, edits, deletes, files) reach a Telegram chat of the same community
(a RecordingBridge), and Telegram's copies are posted, threaded, edited, deleted and uploaded
in the channel by the fake. Every test runs with exactly the manifest's scopes granted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.slack.bot import SlackBot
from bots.slack.manifest import manifest
from bots.slack.setup import SLACKBOT
from core.app import CoreApp
from core.clock import ManualClock
from core.messaging import Actor, CommandIn, ConversationKey
from core.ports import ChatRef
from core.services.relay import Upload
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.adapters.slack.driver import (
    FORM_TYPE,
    JSON_TYPE,
    SECRET,
    channel_body,
    command_body,
    deliver,
)
from tests.adapters.slack.fake_slack import FakeSlack, Posted
from tests.relay_support import RecordingBridge
from tests.unit.test_communities import admin_creates

TG = ChatRef("telegram", "telegram", "-100")
SL = ChatRef("slack", "T1", "C1")
ASHA = Actor("telegram", "telegram", "asha", "Asha")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/slack.db",
        data_dir=tmp_path,
        secret_key="slack-bridge",  # type: ignore[arg-type]
        admins=["slack:T1:UADMIN", "console:admin", "telegram:boss"],
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
        slack_api_url=fake_slack.url,
        public_url="https://mentor.example.com",
        tick_seconds=0,
        match_model="none",  # the bridge finds no mentors: no embedder to load
    )


@pytest.fixture
async def server(settings: Settings, clock: ManualClock) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings, clock=clock), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@dataclass
class Bridged:
    server: TestServer
    fake: FakeSlack
    clock: ManualClock
    core: CoreApp
    bot: SlackBot
    tg: RecordingBridge
    code: str

    async def command(self, user: str, text: str, channel: str = "C1") -> dict[str, object]:
        """`/mentor TEXT` typed in a channel; what came back through the response_url."""
        seen = len(self.fake.responses)
        body = command_body(
            "T1", user, user.lower(), text, channel, response_url=self.fake.base + "/response"
        )
        [sent] = await deliver(self.server, body, FORM_TYPE)
        await self.bot.settle()
        assert sent.acked
        [answer] = self.fake.responses[seen:]
        return answer

    async def event(self, event: dict[str, object], event_id: str | None = None) -> None:
        """Slack delivering a channel event; acked at the first attempt, work done."""
        attempts = await deliver(self.server, channel_body("T1", event, event_id), JSON_TYPE)
        assert [a.status for a in attempts] == [200]
        await self.bot.settle()

    async def settle(self) -> int:
        """Drains the bridge's queue as the running app would, time passing between passes."""
        total = 0
        for _ in range(20):
            n = await self.core.relay.drain()
            total += n
            self.clock.advance(timedelta(seconds=5))
            if n == 0:
                break
        return total


@pytest.fixture
async def bridged(server: TestServer, fake_slack: FakeSlack, clock: ManualClock) -> Bridged:
    fake_slack.granted = set(
        manifest("https://mentor.example.com")["oauth_config"]["scopes"]["bot"]
    )
    for user, name in (("UADMIN", "Admin"), ("URAVI", "Ravi Kumar"), ("UMEERA", "Meera Iyer")):
        fake_slack.names[user] = name
    fake_slack.add_channel("C1")
    core = server.app[CORE]
    code = await admin_creates(core, "Python Learners", "Python", "public")
    b = Bridged(
        server, fake_slack, clock, core, server.app[SLACKBOT], RecordingBridge("telegram"), code
    )
    answer = await b.command("UADMIN", f"community link {code}")
    assert "Linked to Python Learners" in str(answer["text"])
    assert answer["response_type"] == "in_channel"  # the channel sees it is bridged now
    boss = Actor("telegram", "telegram", "boss", "Boss")
    key = ConversationKey("telegram", "telegram", TG.chat_id, "boss")
    [linked] = await core.handle(boss, CommandIn("community", f"link {code}"), key)
    assert "Linked to Python Learners" in linked.text
    core.relay.register(b.tg)
    return b


def tg_texts(b: Bridged) -> list[str]:
    return b.tg.texts(TG.chat_id)


def blocks_text(post: Posted) -> str:
    return json.dumps(post.blocks)


async def test_link_needs_the_app_in_the_channel_and_an_owner(bridged: Bridged) -> None:
    b = bridged
    assert await b.core.is_linked(SL)
    # Not invited to #random yet: told to invite the app, nothing linked.
    b.fake.add_channel("C2", app_member=False)
    answer = await b.command("UADMIN", f"community link {b.code}", channel="C2")
    assert "/invite @MentorBot" in str(answer["text"]) and answer["response_type"] == "ephemeral"
    assert "`/invite @MentorBot`" in json.dumps(answer["blocks"])
    assert not await b.core.is_linked(ChatRef("slack", "T1", "C2"))
    # A private channel the app isn't in is channel_not_found to it: the same answer.
    b.fake.add_channel("G3", app_member=False, private=True)
    answer = await b.command("UADMIN", f"community link {b.code}", channel="G3")
    assert "/invite @MentorBot" in str(answer["text"])
    answer = await b.command("UADMIN", "community link WRONGCODE", channel="C1")
    assert "doesn't match a community" in str(answer["text"])
    assert answer["response_type"] == "ephemeral"
    # Invited: it links; someone who isn't an owner can't unlink it.
    b.fake.channels["C2"].app_member = True
    answer = await b.command("UADMIN", f"community link {b.code}", channel="C2")
    assert "Linked to Python Learners" in str(answer["text"])
    answer = await b.command("URAVI", "community unlink", channel="C2")
    assert "owners and moderators" in str(answer["text"])
    assert answer["response_type"] == "ephemeral"
    answer = await b.command("UADMIN", "community unlink", channel="C2")
    assert "Unlinked from Python Learners" in str(answer["text"])
    assert answer["response_type"] == "in_channel"
    assert not await b.core.is_linked(ChatRef("slack", "T1", "C2"))
    assert b.fake.refused == []


async def test_a_channel_message_reaches_telegram_once_with_mentions_translated(
    bridged: Bridged,
) -> None:
    b = bridged
    text = (
        "hi <@UMEERA>, see <#C9|random> and <https://docs.python.org|the docs> "
        "&amp; &lt;tags&gt; <!channel> <!here> <!everyone>"
    )
    event = b.fake.user_says("C1", "URAVI", text)
    await b.event(event, "Ev-ravi-1")
    await b.event(event, "Ev-ravi-1")  # Slack redelivers the same event
    await b.event(event, "Ev-ravi-1b")  # or the same message under another event id
    await b.settle()
    [shown] = tg_texts(b)
    head, body = shown.split("\n")
    assert head == "*Ravi Kumar* · Slack"
    assert "@Meera Iyer" in body and "#random" in body
    assert "[the docs](https://docs.python.org)" in body and "<tags>" in body  # a link again
    assert "<!channel>" not in body and "@channel" not in body and "@here" not in body
    assert "<!everyone>" not in body and "@everyone" not in body
    assert all(f"@\u2060{w}" in body for w in ("channel", "here", "everyone"))  # inert
    # The app's own copies and other bots' messages are never relayed back.
    await core_says(b, "1", "from telegram")
    [copy] = b.fake.live("C1")[1:]
    await b.event(b.fake.echo(copy))
    await b.event({**b.fake.user_says("C1", "UOTHER", "bot says"), "bot_id": "B2"})
    await b.settle()
    assert len(tg_texts(b)) == 1
    assert b.fake.refused == []


async def core_says(b: Bridged, message_id: str, text: str, **kw: object) -> None:
    assert await b.core.relay_said(ASHA, TG, message_id, text, **kw)  # type: ignore[arg-type]
    await b.settle()


async def test_telegram_copies_are_posted_threaded_edited_and_deleted_in_the_channel(
    bridged: Bridged,
) -> None:
    b = bridged
    await core_says(b, "1", "question for @everyone <!channel> about *decorators*")
    [copy] = b.fake.live("C1")  # the link was answered through the response_url
    raw = copy.text + blocks_text(copy)
    assert "Asha" in raw and "Telegram" in raw and "decorators" in raw
    assert "<!everyone>" not in raw and "<!channel>" not in raw and "@everyone" not in raw
    assert "&lt;!channel&gt;" in blocks_text(copy)  # shown as typed, pinging nobody
    # "Also send to channel": a thread reply shown in the channel is a reply all the same.
    broadcast = b.fake.user_says("C1", "UMEERA", "same question", thread_ts=copy.ts)
    await b.event({**broadcast, "subtype": "thread_broadcast"})
    await b.settle()
    [same] = [s for s in b.tg.chats[TG.chat_id].values() if "same question" in s.text]
    assert same.reply_to == "1"
    # Ravi answers in the copy's thread: Telegram sees a reply to its original message.
    await b.event(b.fake.user_says("C1", "URAVI", "use functools.wraps", thread_ts=copy.ts))
    await b.settle()
    [answer] = [s for s in b.tg.chats[TG.chat_id].values() if "wraps" in s.text]
    assert answer.reply_to == "1"
    # Asha replies to Ravi's answer on Telegram: a reply in the same Slack thread.
    await core_says(b, "2", "thanks!", reply_to=answer.id)
    thanks = b.fake.live("C1")[-1]
    assert "thanks!" in thanks.text and thanks.thread_ts == copy.ts
    # Edited and deleted on Telegram: the Slack copy follows.
    assert await b.core.relay_edited(TG, "1", "question about *generators*")
    await b.settle()
    assert "generators" in copy.text and copy.updates
    assert await b.core.relay_deleted(TG, "1")
    await b.settle()
    assert copy.deleted and copy not in b.fake.live("C1")
    assert b.fake.refused == []


async def test_edits_and_deletes_in_slack_reach_telegram(bridged: Bridged) -> None:
    b = bridged
    event = b.fake.user_says("C1", "URAVI", "typo heer")
    await b.event(event)
    await b.settle()
    [post] = [p for p in b.fake.live("C1") if p.user == "URAVI"]
    edited = b.fake.user_edits(post, "typo here, <@UMEERA>")
    del edited["channel_type"]  # as in Slack's own example of message_changed
    await b.event(edited)
    await b.settle()
    assert tg_texts(b) == ["*Ravi Kumar* · Slack\ntypo here, @Meera Iyer"]
    await b.event(b.fake.user_deletes(post))
    await b.settle()
    assert tg_texts(b) == []
    assert ("delete", TG.chat_id) in [(op, chat) for op, chat, _ in b.tg.calls]


async def test_files_are_downloaded_with_the_token_and_reuploaded(bridged: Bridged) -> None:
    b = bridged
    pdf = b"%PDF-1.4 notes"
    event = b.fake.user_shares("C1", "UMEERA", "notes.pdf", "application/pdf", pdf, "my notes")
    await b.event(event)
    await b.settle()
    [shown] = b.tg.chats[TG.chat_id].values()
    assert shown.file == "notes.pdf" and shown.text.endswith("my notes")
    assert [f.downloads for f in b.fake.files.values()] == [1]
    # A file from Telegram is uploaded into the channel (files upload v2) after its message.
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    assert await b.core.relay_said(
        ASHA, TG, "5", "diagram", upload=Upload("graph.png", "image/png", png)
    )
    await b.settle()
    [up] = b.fake.files_in("C1")
    assert up.filename == "graph.png" and up.data == png and up.thread_ts == ""
    assert "diagram" in b.fake.live("C1")[-1].text
    assert b.fake.refused == []


async def test_without_files_read_the_file_is_named_not_relayed(bridged: Bridged) -> None:
    b = bridged
    assert b.fake.granted is not None
    b.fake.granted.discard("files:read")
    event = b.fake.user_shares("C1", "UMEERA", "cv.pdf", "application/pdf", b"%PDF")
    await b.event(event)
    await b.settle()
    [shown] = b.tg.chats[TG.chat_id].values()
    assert shown.file is None and "cv.pdf (not relayed)" in shown.text


async def test_a_file_over_20_mb_is_named_not_downloaded(bridged: Bridged) -> None:
    b = bridged
    event = b.fake.user_shares("C1", "UMEERA", "video.mp4", "video/mp4", b"...", "demo")
    event["files"][0]["size"] = 21 * 1024 * 1024  # as Slack reports a 21 MB file
    await b.event(event)
    await b.settle()
    [shown] = b.tg.chats[TG.chat_id].values()
    assert shown.file is None and shown.text.endswith("demo\n📎 video.mp4 (not relayed)")
    assert [f.downloads for f in b.fake.files.values()] == [0]


async def test_a_failed_upload_leaves_a_link_to_the_web_copy(bridged: Bridged) -> None:
    b = bridged
    assert b.fake.granted is not None
    b.fake.granted.discard("files:write")
    assert await b.core.relay_said(
        ASHA, TG, "1", "slides", upload=Upload("talk.pdf", "application/pdf", b"%PDF-1")
    )
    await b.settle()
    [copy] = b.fake.live("C1")
    assert b.fake.files_in("C1") == []
    assert "📎 talk.pdf: <https://mentor.example.com/files/" in copy.text
    assert "slides" in copy.text and len(copy.updates) == 1


async def test_a_429_delays_the_copy_which_is_then_posted_exactly_once(bridged: Bridged) -> None:
    b = bridged
    b.fake.rate_limit["chat.postMessage"] = 1
    b.fake.retry_after = 30
    assert await b.core.relay_said(ASHA, TG, "1", "busy?")

    def statuses() -> list[int]:
        return [c.status for c in b.fake.calls if c.method == "chat.postMessage"]

    await b.core.relay.drain()
    assert statuses() == [429] and b.fake.live("C1") == []
    b.clock.advance(timedelta(seconds=10))
    await b.core.relay.drain()
    assert statuses() == [429]  # Retry-After (30 s) is not over yet: Slack isn't asked
    b.clock.advance(timedelta(seconds=25))
    await b.core.relay.drain()
    await b.settle()
    assert [p.text.split("\n")[-1] for p in b.fake.live("C1")] == ["busy?"]
    assert statuses() == [429, 200]


async def test_slack_down_then_back_gets_its_copies_once(bridged: Bridged) -> None:
    b = bridged
    b.fake.down = True
    for n in range(3):
        assert await b.core.relay_said(ASHA, TG, str(n), f"message {n}")
    await b.settle()
    assert b.fake.live("C1") == []
    b.fake.down = False
    b.clock.advance(timedelta(minutes=6))
    await b.settle()
    assert [p.text.split("\n")[-1] for p in b.fake.live("C1")] == [f"message {n}" for n in range(3)]


@pytest.mark.parametrize("what", ["deleted", "archived", "app_removed"])
async def test_a_channel_gone_for_the_app_stops_the_relay_there(
    bridged: Bridged, what: str
) -> None:
    b = bridged
    channel = b.fake.channels["C1"]
    channel.deleted, channel.archived = what == "deleted", what == "archived"
    channel.app_member = what != "app_removed"
    assert await b.core.relay_said(ASHA, TG, "1", "anyone?")
    await b.settle()
    # channel_not_found / is_archived / not_in_channel: RelayGone, the link is turned off.
    assert not await b.core.is_linked(SL)
    assert b.fake.live("C1") == []


async def test_messages_in_an_unlinked_channel_are_acked_and_ignored(bridged: Bridged) -> None:
    b = bridged
    calls = len(b.fake.calls)
    await b.event(b.fake.user_says("C7", "URAVI", "not bridged <@UMEERA>"))
    await b.event(b.fake.user_edits(b.fake.live("C7")[0], "still not"))
    await b.settle()
    assert tg_texts(b) == [] and b.tg.calls == []
    assert len(b.fake.calls) == calls  # not even a name looked up
