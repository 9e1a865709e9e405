"""A reply's image reaches Discord as an attachment shown inline, its alt text the
attachment's description (issue 17: charts)."""

from __future__ import annotations

import io
import json

from aiohttp.test_utils import TestServer
from PIL import Image as PILImage

from bots.discord.bot import WORKSPACE
from bots.discord.setup import DISCORDBOT
from core.charts import bars
from core.messaging import Image, Reply
from core.ports import Destination
from tests.adapters.discord.fake_discord import FakeDiscord

RIYA = "500000000000000042"


async def test_a_chart_arrives_as_an_image_attachment_with_its_alt_text(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    bot = server.app[DISCORDBOT]
    fake_discord.add_user(RIYA, "Riya")
    png = bars("Funnel", ["searches", "requests"], [10, 4], ["10", "4 · 40%"])
    reply = Reply("Funnel: 10 searches → 4 requests (40%)", image=Image(png, "Funnel bar chart"))
    assert await bot.deliver(Destination(1, "discord", WORKSPACE, RIYA), [reply])
    [sent] = [s for s in fake_discord.sent if s.kind == "channel"]
    assert not fake_discord.refused
    [(name, _kind, data)] = sent.files
    assert name == "funnel-bar-chart.png" and data == png
    with PILImage.open(io.BytesIO(data)) as img:
        assert img.format == "PNG"
    body = sent.body if "attachments" in sent.body else json.loads(sent.body["payload_json"])
    assert body["attachments"][0]["description"] == "Funnel bar chart"
    assert "Funnel: 10 searches" in sent.content
