"""Direct messages across platforms (issue #16, "Tests that must exist"): ONE app with the real
aiogram, slack-bolt and discord.py stacks against their local fakes. A Telegram learner and
a Slack mentor exchange text, an image and voice notes, each arriving once and in order; a
Discord mentor's reply to a Telegram message stays a reply. The relay is drained by hand
while the ManualClock moves (as in test_community_bridge)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import pytest

from bots.discord.bot import WORKSPACE as DC_WORKSPACE
from bots.voice import webm_opus
from core.clock import ManualClock
from core.messaging import Actor
from core.services.relay import Upload
from tests.adapters.slack.driver import JSON_TYPE, deliver, event_body
from tests.adapters.test_community_bridge import Fakes, Four, start_four
from tests.dm_support import PNG, booked, person

ASHA_TG = 707
MEERA = "UMEERA"
DEV = "500000000000000041"
OGG_VOICE = "v-asha-1"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    from bots.slack.manifest import manifest
    from tests.adapters.discord.fake_discord import FakeDiscord
    from tests.adapters.slack.fake_slack import FakeSlack
    from tests.adapters.telegram.fakeapi import FakeBotAPI

    f = Fakes(FakeBotAPI(), FakeSlack(), FakeDiscord())
    await f.tg.start()
    await f.slack.start()
    await f.discord.start()
    f.slack.granted = set(manifest("https://mentor.example.com")["oauth_config"]["scopes"]["bot"])
    f.slack.names[MEERA] = "Meera"
    f.discord.add_user(DEV, "Dev")
    yield f
    await f.discord.close()
    await f.slack.close()
    await f.tg.close()


@pytest.fixture
async def app(tmp_path: Path, fakes: Fakes, clock: ManualClock) -> AsyncIterator[Four]:
    f = await start_four(tmp_path, fakes, clock)
    try:
        asha = await person(f.core, Actor("telegram", "telegram", str(ASHA_TG), "Asha"))
        meera = await person(f.core, Actor("slack", "T1", MEERA, "Meera"), mentor=True)
        dev = await person(f.core, Actor("discord", DC_WORKSPACE, DEV, "Dev"), mentor=True)
        await booked(f.core, asha, meera)
        await booked(f.core, asha, dev)
        yield f
    finally:
        await f.srv.close()


def ogg_opus() -> bytes:
    """A Telegram voice note as Telegram stores it: OGG/Opus."""
    from bots.voice import transcode_ogg_opus

    return transcode_ogg_opus(webm_opus(1.0))


def duration_s(data: bytes) -> float:
    with av.open(io.BytesIO(data), mode="r") as c:
        assert c.streams.audio and c.streams.audio[0].codec_context.name == "opus"
        return float(c.duration or 0) / 1e6


async def open_thread_on_telegram(f: Four, name: str) -> Any:
    asha = f.tg_user(ASHA_TG, "Asha", chat_id=ASHA_TG)
    await asha.say("/sessions")
    listing = [m for m in asha.last if name in m.plain]
    assert listing, [m.plain for m in asha.last]
    for m in listing:
        labels = [b.get("text") for b in m.buttons()]
        if "✉️ Message" in labels:
            b = next(b for b in m.buttons() if b.get("text") == "✉️ Message")
            await asha.send_update(f.fakes.tg.press_update(ASHA_TG, m, b["callback_data"]))
            break
    assert any(f"✉️ to {name}" in m.plain for m in asha.last), [m.plain for m in asha.last]
    return asha


def media_update(
    api: Any, kind: str, file_id: str, data: bytes, caption: str = ""
) -> dict[str, Any]:
    api.files[file_id] = data
    update = api.text_update(ASHA_TG, "", chat_id=ASHA_TG, first_name="Asha")
    msg = update["message"]
    del msg["text"]
    if caption:
        msg["caption"] = caption
    if kind == "photo":
        msg["photo"] = [{"file_id": file_id, "file_unique_id": "u" + file_id, "width": 9,
                         "height": 9, "file_size": len(data)}]  # fmt: skip
    else:
        msg["voice"] = {"file_id": file_id, "file_unique_id": "u" + file_id, "duration": 1,
                        "mime_type": "audio/ogg", "file_size": len(data)}  # fmt: skip
    return update


def slack_dm(f: Four) -> list[Any]:
    return [p for p in f.fakes.slack.live("D" + MEERA) if not p.user]


async def test_telegram_learner_and_slack_mentor_exchange_text_image_and_voice(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Meera")
    # Text, an image with a caption, a voice note: typed in Asha's chat with the bot.
    assert await asha.say("hi Meera, a question about decorators") == []
    first_id = f.fakes.tg._next_message
    await asha.send_update(media_update(f.fakes.tg, "photo", "ph1", PNG, "my code"))
    voice = ogg_opus()
    await asha.send_update(media_update(f.fakes.tg, "voice", OGG_VOICE, voice))
    await f.relayed(lambda: len(slack_dm(f)) >= 3)
    texts = [p.text for p in slack_dm(f)]
    assert len(texts) == 3, texts
    assert "Asha" in texts[0] and "hi Meera, a question about decorators" in texts[0]
    assert "my code" in texts[1]
    uploads = [u for u in f.fakes.slack.uploads if u.channel == "D" + MEERA]
    assert [u.filename for u in uploads] == ["photo.jpg", "voice.ogg"]
    assert uploads[0].data == PNG
    assert uploads[1].data == voice and duration_s(uploads[1].data) == pytest.approx(1.0, 0.1)
    # Nothing leaks a handle: the copy says the display name only.
    assert all(str(ASHA_TG) not in t for t in texts)

    # Meera answers in the Slack thread of the first message: the Telegram copy replies to it.
    first_ts = slack_dm(f)[0].ts
    event = {
        "type": "message", "channel_type": "im", "channel": "D" + MEERA, "user": MEERA,
        "text": "sure, ask away", "ts": "1790000100.000100", "thread_ts": first_ts,
    }  # fmt: skip
    attempts = await deliver(f.srv, event_body("T1", event), JSON_TYPE)
    assert [a.status for a in attempts] == [200]
    await f.slackbot.settle()
    got = lambda: [m for m in f.fakes.tg.chat_messages(ASHA_TG) if "sure, ask away" in m.html]  # noqa: E731
    await f.relayed(lambda: len(got()) == 1)
    [answer] = got()
    assert "Meera" in answer.plain and answer.reply_to_id == first_id

    # A voice note recorded on the web page (WebM/Opus) reaches Telegram as a voice note.
    ids = await _ids(f)
    async with f.core.uow() as u:
        t = await u.dms.thread_of(*ids)
        assert t is not None
        thread = t.id
    await f.core.dm_say_web(
        Actor("slack", "T1", MEERA, "Meera"), thread, "",
        upload=Upload("recording.webm", "audio/webm", webm_opus(1.0)),
    )  # fmt: skip
    voices = lambda: [m for m in f.fakes.tg.chat_messages(ASHA_TG) if m.kind == "voice"]  # noqa: E731
    await f.relayed(lambda: len(voices()) == 1)
    # An image from the web page arrives in Telegram as a photo.
    await f.core.dm_say_web(
        Actor("slack", "T1", MEERA, "Meera"), thread, "the diagram",
        upload=Upload("diagram.png", "image/png", PNG),
    )  # fmt: skip
    photos = lambda: [m for m in f.fakes.tg.chat_messages(ASHA_TG) if m.kind == "photo"]  # noqa: E731
    await f.relayed(lambda: len(photos()) == 1)
    assert photos()[0].data == PNG and "the diagram" in photos()[0].plain
    [v] = voices()
    assert duration_s(v.data) == pytest.approx(1.0, 0.1)
    # Each arrived once: three copies in Slack, two in Telegram, after more passes.
    await f.relayed(lambda: True)
    assert len(slack_dm(f)) == 3
    assert len([m for m in f.fakes.tg.chat_messages(ASHA_TG) if "Meera" in m.plain]) >= 1
    assert len(got()) == 1 and len(voices()) == 1


async def _ids(f: Four) -> tuple[int, int]:
    async with f.core.uow() as u:
        a, _ = await u.identity.resolve(Actor("telegram", "telegram", str(ASHA_TG), "Asha"))
        m, _ = await u.identity.resolve(Actor("slack", "T1", MEERA, "Meera"))
        return a.id, m.id


async def test_a_discord_mentor_replying_to_a_telegram_message_stays_a_reply(app: Four) -> None:
    f = app
    asha = await open_thread_on_telegram(f, "Dev")
    await asha.say("Dev, is asyncio.TaskGroup worth it?")
    asked_id = f.fakes.tg._next_message
    copies = lambda: [s for s in f.fakes.discord.sent if "TaskGroup" in s.content]  # noqa: E731
    await f.relayed(lambda: len(copies()) == 1)
    [copy] = copies()
    assert copy.where in f.fakes.discord.dm_channels  # Dev's DM with the bot
    await f.fakes.discord.dm(DEV, "yes, from 3.11 on", reply_to=copy.id)
    got = lambda: [m for m in f.fakes.tg.chat_messages(ASHA_TG) if "from 3.11 on" in m.html]  # noqa: E731
    await f.relayed(lambda: len(got()) == 1)
    [answer] = got()
    assert answer.reply_to_id == asked_id
    assert "Dev" in answer.plain
    # A photo from Telegram reaches Dev's DM as an uploaded file.
    await asha.send_update(media_update(f.fakes.tg, "photo", "ph2", PNG, "my screen"))
    shots = lambda: [s for s in f.fakes.discord.sent if "my screen" in s.content]  # noqa: E731
    await f.relayed(lambda: len(shots()) == 1)
    [shot] = shots()
    assert [(n, d) for n, _, d in shot.files] == [("photo.jpg", PNG)]
