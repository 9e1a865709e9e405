"""Direct messages FROM Slack and Discord with files, images and voice, and edits and
deletes following every copy (issue #16). One app with the real aiogram, slack-bolt and
discord.py stacks against their local fakes, which serve shared files over real HTTP: Slack's
url_private only for the workspace's bot token, Discord's CDN only at the signed URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from core.messaging import Actor
from core.services.dms import DmError
from tests.adapters import test_dms as dms
from tests.adapters.slack.driver import JSON_TYPE, deliver, event_body
from tests.adapters.test_community_bridge import Four
from tests.adapters.test_dms import (
    ASHA_TG,
    DEV,
    MEERA,
    duration_s,
    ogg_opus,
    open_thread_on_telegram,
    slack_dm,
)
from tests.dm_support import PDF, PNG, m4a_aac

MEERA_ACTOR = Actor("slack", "T1", MEERA, "Meera")
# The DM journeys' fixtures: one app on the three fakes, Asha booked with Meera and with Dev.
clock, fakes, app = dms.clock, dms.fakes, dms.app


def tg_from(f: Four, words: str = "Meera", kind: str | None = None) -> list[Any]:
    """What arrived in Asha's Telegram chat from the other side (a copy names its author)."""
    return [
        m
        for m in f.fakes.tg.chat_messages(ASHA_TG)
        if words in m.plain and (kind is None or m.kind == kind) and not m.deleted
    ]


async def slack_event(f: Four, event: dict[str, Any]) -> None:
    attempts = await deliver(f.srv, event_body("T1", event), JSON_TYPE)
    assert [a.status for a in attempts] == [200]
    await f.slackbot.settle()


async def web_copy(f: Four, url: str) -> tuple[int, bytes, str]:
    """The web copy of a shared file, fetched from the app (its path under public_url)."""
    parts = urlsplit(url)
    async with (
        aiohttp.ClientSession() as http,
        http.get(f.srv.make_url(parts.path)) as resp,
    ):
        return resp.status, await resp.read(), resp.headers.get("Content-Type", "")


async def thread_of(f: Four, other: Actor) -> int:
    async with f.core.uow() as u:
        a, _ = await u.identity.resolve(Actor("telegram", "telegram", str(ASHA_TG), "Asha"))
        b, _ = await u.identity.resolve(other)
        t = await u.dms.thread_of(a.id, b.id)
        assert t is not None
        return t.id


async def test_a_slack_image_and_voice_clip_reach_telegram_natively(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Meera")
    await asha.say("Meera, can you show me the layering?")
    asked_id = f.fakes.tg._next_message
    await f.relayed(lambda: len(slack_dm(f)) == 1)
    first_ts = slack_dm(f)[0].ts

    # Meera shares an image in the thread of Asha's message (a file_share message event).
    event = f.fakes.slack.user_shares(
        "D" + MEERA, MEERA, "layers.png", "image/png", PNG, text="here it is"
    )
    event["thread_ts"] = first_ts
    [shared] = event["files"]
    # Slack's url_private_download answers only with the bot token: without it, sign-in.
    async with (
        aiohttp.ClientSession() as http,
        http.get(shared["url_private_download"], allow_redirects=False) as resp,
    ):
        assert resp.status == 302 and resp.headers["Location"] == "/signin"
    await slack_event(f, event)
    await f.relayed(lambda: len(tg_from(f, kind="photo")) == 1)
    [photo] = tg_from(f, kind="photo")
    assert photo.data == PNG and "here it is" in photo.plain
    assert photo.reply_to_id == asked_id
    assert f.fakes.slack.files[shared["id"]].downloads == 1

    # A voice clip recorded in Slack (m4a) arrives as a Telegram voice note (OGG/Opus).
    clip = m4a_aac(1.0)
    event = f.fakes.slack.user_shares("D" + MEERA, MEERA, "audio_message.m4a", "audio/mp4", clip)
    event["thread_ts"] = first_ts
    await slack_event(f, event)
    await f.relayed(lambda: len(tg_from(f, "", kind="voice")) == 1)
    [voice] = tg_from(f, "", kind="voice")
    assert voice.data.startswith(b"OggS") and duration_s(voice.data) == pytest.approx(1.0, 0.15)

    # A file_share naming the file by id only ("check_file_info"): files.info says the rest.
    event = f.fakes.slack.user_shares(
        "D" + MEERA, MEERA, "notes.pdf", "application/pdf", PDF, "my notes", stub=True
    )
    event["thread_ts"] = first_ts
    assert "url_private" not in event["files"][0]
    await slack_event(f, event)
    await f.relayed(lambda: len(tg_from(f, kind="document")) == 1)
    [doc] = tg_from(f, kind="document")
    assert doc.data == PDF and doc.filename == "notes.pdf" and "my notes" in doc.plain
    assert "files.info" in f.fakes.slack.methods()

    # Past the 20 MB a thread keeps, a file isn't fetched: the copy names it.
    event = f.fakes.slack.user_shares(
        "D" + MEERA, MEERA, "dataset.zip", "application/zip", bytes(21 * 1024 * 1024), "data"
    )
    event["thread_ts"] = first_ts
    await slack_event(f, event)
    await f.relayed(lambda: len(tg_from(f, "dataset.zip")) == 1)
    [named] = tg_from(f, "dataset.zip")
    assert named.kind == "text" and "not carried" in named.plain and "data" in named.plain
    assert f.fakes.slack.files[event["files"][0]["id"]].downloads == 0

    # The web keeps a copy of each: the image shown inline, the clip as audio.
    _, msgs, _ = await f.core.dm_history(MEERA_ACTOR, await thread_of(f, MEERA_ACTOR))
    files = [(m.file_mime, m.file_url) for m in msgs if m.file_url]
    assert [mime for mime, _ in files] == ["image/png", "audio/mp4", "application/pdf"]
    status, body, _ = await web_copy(f, files[0][1])
    assert status == 200 and body == PNG
    status, body, _ = await web_copy(f, files[1][1])
    assert status == 200 and body == clip
    # Once each, after more passes.
    await f.relayed(lambda: True)
    assert len(tg_from(f, kind="photo")) == 1 and len(tg_from(f, "", kind="voice")) == 1


async def test_a_discord_file_and_voice_message_reach_telegram_natively(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Dev")
    await asha.say("Dev, could you send the notes?")
    asked_id = f.fakes.tg._next_message
    copies = lambda: [s for s in f.fakes.discord.sent if "send the notes" in s.content]  # noqa: E731
    await f.relayed(lambda: len(copies()) == 1)
    [copy] = copies()

    await f.fakes.discord.dm(
        DEV, "the notes", files=[("notes.pdf", "application/pdf", PDF)], reply_to=copy.id
    )
    await f.relayed(lambda: len(tg_from(f, "Dev", kind="document")) == 1)
    [doc] = tg_from(f, "Dev", kind="document")
    assert doc.data == PDF and doc.filename == "notes.pdf" and "the notes" in doc.plain
    assert doc.reply_to_id == asked_id

    # A Discord voice message (OGG/Opus) arrives as a Telegram voice note, as it is.
    voice_ogg = ogg_opus()
    await f.fakes.discord.dm(
        DEV, "", files=[("voice-message.ogg", "audio/ogg", voice_ogg)], reply_to=copy.id
    )
    await f.relayed(lambda: len(tg_from(f, "", kind="voice")) == 1)
    [voice] = tg_from(f, "", kind="voice")
    assert voice.data == voice_ogg and duration_s(voice.data) == pytest.approx(1.0, 0.1)
    assert sum(f.fakes.discord.downloads.values()) == 2  # each fetched once, at its signed URL

    # An image too big for a Telegram photo (10 MB) arrives as a link to its web copy.
    big = PNG + bytes(11 * 1024 * 1024)
    await f.fakes.discord.dm(
        DEV, "full-size screenshot", files=[("big.png", "image/png", big)], reply_to=copy.id
    )
    linked = lambda: tg_from(f, "big.png")  # noqa: E731
    await f.relayed(lambda: len(linked()) == 1)
    [link] = linked()
    assert link.kind == "text" and "/files/" in link.html
    assert len(tg_from(f, "full-size screenshot")) == 1  # the words, then the link
    url = link.html.split('href="', 1)[1].split('"', 1)[0]
    status, body, _ = await web_copy(f, url)
    assert status == 200 and body == big


async def test_edits_and_deletes_follow_every_copy(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Meera")
    await asha.say("first draft of my question")
    asked_id = f.fakes.tg._next_message
    await f.relayed(lambda: len(slack_dm(f)) == 1)
    [copy] = slack_dm(f)

    # Telegram edited_message: the Slack copy follows.
    update = f.fakes.tg.text_update(ASHA_TG, "final question", chat_id=ASHA_TG, first_name="Asha")
    edited = update.pop("message")
    edited["message_id"], edited["edit_date"] = asked_id, 1_790_000_100
    update["edited_message"] = edited
    await f.tg_update(update)
    await f.relayed(lambda: "final question" in slack_dm(f)[0].text)
    assert "first draft" not in slack_dm(f)[0].text

    # Meera answers in the thread, edits her answer (message_changed), then deletes it.
    said = f.fakes.slack.user_says("D" + MEERA, MEERA, "answr", thread_ts=copy.ts)
    said["channel_type"] = "im"
    await slack_event(f, said)
    await f.relayed(lambda: len(tg_from(f, "answr")) == 1)
    [post] = [p for p in f.fakes.slack.posted if p.user == MEERA and p.text == "answr"]
    await slack_event(f, f.fakes.slack.user_edits(post, "answer"))
    await f.relayed(lambda: len(tg_from(f, "answer")) == 1)
    [answer] = tg_from(f, "answer")
    assert answer.edits == 1 and "answr" not in answer.plain
    await slack_event(f, f.fakes.slack.user_deletes(post))
    await f.relayed(lambda: not tg_from(f, "answer"))
    assert answer.deleted

    # On the web Asha edits and deletes her own message: the Slack copy follows.
    thread = await thread_of(f, MEERA_ACTOR)
    asha_web = Actor("telegram", "telegram", str(ASHA_TG), "Asha")
    mid = await f.core.dm_say_web(asha_web, thread, "from the web page")
    await f.relayed(lambda: any("from the web page" in p.text for p in slack_dm(f)))
    await f.core.dm_edit_web(asha_web, mid, "from the web page, edited")
    await f.relayed(lambda: any("page, edited" in p.text for p in slack_dm(f)))
    await f.core.dm_delete_web(asha_web, mid)
    await f.relayed(lambda: not any("from the web page" in p.text for p in slack_dm(f)))
    _, msgs, _ = await f.core.dm_history(MEERA_ACTOR, thread)
    assert [m.deleted for m in msgs if m.id == mid] == [True]
    # Only one's own message: Meera can't change Asha's.
    with pytest.raises(DmError, match="only your own"):
        await f.core.dm_edit_web(MEERA_ACTOR, msgs[0].id, "not mine")
    with pytest.raises(DmError, match="only your own"):
        await f.core.dm_delete_web(MEERA_ACTOR, msgs[0].id)


async def test_discord_edits_and_deletes_follow_to_telegram(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Dev")
    await asha.say("Dev, one more thing")
    asked_id = f.fakes.tg._next_message
    copies = lambda: [s for s in f.fakes.discord.sent if "one more thing" in s.content]  # noqa: E731
    await f.relayed(lambda: len(copies()) == 1)
    [copy] = copies()
    mid = await f.fakes.discord.dm(DEV, "sure thnig", reply_to=copy.id)
    await f.relayed(lambda: len(tg_from(f, "sure thnig")) == 1)
    await f.fakes.discord.dm_edit(DEV, mid, "sure thing")
    await f.relayed(lambda: len(tg_from(f, "sure thing")) == 1)
    [msg] = tg_from(f, "sure thing")
    await f.fakes.discord.dm_remove(DEV, mid)
    await f.relayed(lambda: not tg_from(f, "sure thing"))
    assert msg.deleted

    # Asha edits her question on Telegram: Dev's copy on Discord follows.
    update = f.fakes.tg.text_update(ASHA_TG, "Dev, two more things", chat_id=ASHA_TG)
    edited = update.pop("message")
    edited["message_id"], edited["edit_date"] = asked_id, 1_790_000_200
    update["edited_message"] = edited
    await f.tg_update(update)
    changed = lambda: [  # noqa: E731
        s for s in f.fakes.discord.sent if s.kind == "channel_edit" and s.id == copy.id
    ]
    await f.relayed(lambda: len(changed()) == 1)
    assert "two more things" in changed()[0].content
