"""/admin stats through an SDK adapter (Slack: images uploaded with files upload v2 and alt
text) and through the web chat (PNG in the message), on seeded known bookings (issue 17)."""

from __future__ import annotations

import base64
import io

from aiohttp.test_utils import TestServer
from PIL import Image as PILImage

from bots.web.identity import login_token
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.slack.driver import SlackUser
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.webclient import WebChatClient
from tests.unit.test_admin_stats import seed_known


def _is_png(data: bytes) -> bool:
    with PILImage.open(io.BytesIO(data)) as img:
        return img.format == "PNG" and img.size == (960, 640)


async def test_admin_stats_in_slack_uploads_the_charts(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    core = server.app[CORE]
    admin = SlackUser(server, fake_slack, "UADMIN", "Ada Admin")
    await admin.command("help")
    await seed_known(core, core.deps.clock.now())
    await admin.command("admin stats week")
    uploads = [u for u in fake_slack.uploads if u.channel == "DUADMIN"]
    assert len(uploads) == 7  # six charts and the ranking variants' conversion
    assert all(_is_png(u.data) for u in uploads)
    assert uploads[1].alt_txt.startswith("Bar chart of the funnel")
    assert "10 searches" in uploads[1].alt_txt
    texts = admin.text()
    assert "Sessions booked: 5; cancelled 1 (20%), no-shows 1 (20%)" in texts
    # Someone else is refused, and nothing is uploaded for them.
    mallory = SlackUser(server, fake_slack, "UMAL", "Mallory")
    await mallory.command("admin stats")
    assert "Only admins can do that." in mallory.text()
    assert not [u for u in fake_slack.uploads if u.channel == "DUMAL"]


async def test_admin_stats_in_the_web_chat_carries_pngs(
    server: TestServer, settings: Settings
) -> None:
    core = server.app[CORE]
    base = str(server.make_url("")).rstrip("/")
    web = WebChatClient(base)
    try:
        await web.open(f"/login?token={login_token(settings.secret(), 'admin')}")
        await seed_known(core, core.deps.clock.now())
        await web.say("/admin stats week")
        images = [m["image"] for m in web.last if m.get("image")]
        assert len(images) == 7
        assert all(_is_png(base64.b64decode(i["png_base64"])) for i in images)
        assert images[0]["alt"].startswith("Bar chart of new people per platform")
        assert "Money (INR): revenue ₹1,000" in web.text()
        await web.say("/admin export bookings")
        [m] = web.last
        assert m["attachment"]["filename"].endswith(".csv")
        rows = base64.b64decode(m["attachment"]["data_base64"]).decode().splitlines()
        assert len(rows) == 1 + 8
    finally:
        await web.close()
