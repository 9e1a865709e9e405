"""Relayed formatting and mentions (issue #15 item 3): bold, italic, code and links typed on one
platform arrive in each other's own formatting; mass and role mentions arrive inert; a member
mentioned on one platform is a real mention where they have an account, else their name. The
real aiogram, slack-bolt and discord.py stacks against the fakes, in the four-platform app of
test_community_bridge."""

from __future__ import annotations

from typing import Any

from bots.discord.relay_in import markup_text as discord_markup
from bots.slack.channel_events import markup_text as slack_markup
from bots.telegram.relay import markup_of, mentioning
from core.markup import mentions_in, to_html
from tests.adapters import test_community_bridge as bridge
from tests.adapters.discord.fake_discord import GUILD_ID
from tests.adapters.slack.driver import SlackUser
from tests.adapters.test_community_bridge import (
    ASHA,
    GROUP,
    OM,
    RAVI_TG,
    SL_CHANNEL,
    SLUG,
    Four,
    discord_copies,
    slack_copies,
    slack_mrkdwn,
    tg_copies,
    web_copies,
)
from tests.adapters.web.test_rooms import Room

clock, fakes, four = bridge.clock, bridge.fakes, bridge.four
WJ = "\u2060"


def entity(kind: str, text: str, part: str, **extra: Any) -> dict[str, Any]:
    """A Telegram message entity over `part` of `text` (offsets in UTF-16 units)."""
    start = text.index(part)
    before = len(text[:start].encode("utf-16-le")) // 2
    return {"type": kind, "offset": before, "length": len(part.encode("utf-16-le")) // 2, **extra}


async def tg_says(f: Four, uid: int, name: str, text: str, entities: list[dict[str, Any]]) -> None:
    update = f.fakes.tg.text_update(uid, text, chat_id=GROUP, first_name=name)
    update["message"]["entities"] = entities
    await f.tg_update(update)


def discord_sent(f: Four, needle: str) -> dict[str, Any]:
    [dc] = discord_copies(f, needle)
    return next(s for s in f.fakes.discord.sent if s.id == dc["id"]).body


async def test_telegram_formatting_arrives_as_each_platform_s_own(four: Four) -> None:
    f = four
    text = "🙂 see bold and slanted then code_x at the docs please @everyone"
    await tg_says(
        f,
        OM,
        "Om",
        text,
        [
            entity("bold", text, "bold"),
            entity("italic", text, "slanted"),
            entity("code", text, "code_x"),
            entity("text_link", text, "the docs", url="https://docs.python.org/3/"),
        ],
    )
    await f.relayed(lambda: bool(slack_copies(f, "slanted")) and bool(discord_copies(f, "slanted")))
    body = discord_sent(f, "slanted")
    assert body["content"].endswith(
        "🙂 see **bold** and *slanted* then `code_x` at [the docs](https://docs.python.org/3/)"
        f" please @{WJ}everyone"
    )
    assert body["allowed_mentions"] == {"parse": []}
    [sl] = slack_copies(f, "slanted")
    assert (
        "see *bold* and _slanted_ then `code_x` at <https://docs.python.org/3/|the docs>"
        in slack_mrkdwn(sl)
    )
    assert "@everyone" not in sl.text and "<!everyone>" not in sl.text
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        [web] = web_copies(room, "slanted")
        assert "<b>bold</b>" in web["html"] and "<i>slanted</i>" in web["html"]
        assert '<a href="https://docs.python.org/3/"' in web["html"]
    finally:
        await room.close()


async def test_slack_and_discord_formatting_reach_telegram_and_mass_and_role_mentions_stay_inert(
    four: Four,
) -> None:
    f = four
    await f.slack_event(
        f.fakes.slack.user_says(
            SL_CHANNEL,
            "URAVI",
            "*strong* and _soft_ and `x &lt; y` <https://example.com/a?b=1&amp;c=2|a page>"
            " <!channel> <!here> ~old~",
        )
    )
    await f.relayed(lambda: bool(tg_copies(f, "strong")) and bool(discord_copies(f, "strong")))
    [tg] = tg_copies(f, "strong")
    assert tg.html.endswith(
        "<b>strong</b> and <i>soft</i> and <code>x &lt; y</code> "
        '<a href="https://example.com/a?b=1&amp;c=2">a page</a>'
        f" @{WJ}channel @{WJ}here old"
    )
    body = discord_sent(f, "strong")
    assert "**strong** and *soft* and `x < y`" in body["content"]
    assert "@here" not in body["content"] and "@channel" not in body["content"]

    mods = f.fakes.discord.add_role("mods")  # made after the bot cached the server
    await f.fakes.discord.say(
        ASHA,
        f"**loud** _quiet_ [guide](https://realpython.com/) @everyone <@&{mods}> ~~no~~"
        f" <@&{GUILD_ID}>",  # the @everyone role itself
    )
    await f.relayed(lambda: bool(tg_copies(f, "loud")) and bool(slack_copies(f, "loud")))
    [tg] = tg_copies(f, "loud")
    assert tg.html.endswith(
        '<b>loud</b> <i>quiet</i> <a href="https://realpython.com/">guide</a> '
        f"everyone @{WJ}role no @@{WJ}everyone"
    )
    [sl] = slack_copies(f, "loud")
    assert "*loud* _quiet_ <https://realpython.com/|guide> everyone @role no" in slack_mrkdwn(sl)
    assert "<!" not in sl.text + slack_mrkdwn(sl)


async def test_a_member_mentioned_is_a_real_mention_where_they_have_an_account_else_a_name(
    four: Four,
) -> None:
    f = four
    # Ravi is on Slack and Telegram, one profile; Asha only on Discord.
    ravi_sl = SlackUser(f.srv, f.fakes.slack, "URAVI", "Ravi Kumar")
    await ravi_sl.command("link")
    code = ravi_sl.text().split("`")[1]
    ravi_dm = f.tg_user(RAVI_TG, "Ravi", chat_id=RAVI_TG)
    await ravi_dm.say(f"/link {code}")
    assert "Linked ✅" in ravi_dm.text()

    # Om mentions Ravi's Telegram account (a mention by id): Slack gets <@URAVI>, Discord
    # (where Ravi has no account) and the web room get his name, pinging nobody.
    text = "thanks Ravi for the review"
    await tg_says(
        f,
        OM,
        "Om",
        text,
        [
            entity(
                "text_mention",
                text,
                "Ravi",
                user={"id": RAVI_TG, "is_bot": False, "first_name": "Ravi"},
            )
        ],
    )
    await f.relayed(lambda: bool(slack_copies(f, "review")) and bool(discord_copies(f, "review")))
    [sl] = slack_copies(f, "review")
    assert "thanks <@URAVI> for the review" in slack_mrkdwn(sl)
    body = discord_sent(f, "review")
    assert body["content"].endswith("thanks @Ravi Kumar for the review")
    assert body["allowed_mentions"] == {"parse": []}
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        [web] = web_copies(room, "review")
        assert "thanks @Ravi Kumar for the review" in web["html"]
    finally:
        await room.close()

    # Asha mentions Ravi on Discord: he has no Discord account, so Discord can't name him —
    # his Discord display name would be all there is; here Asha mentions herself and Ravi
    # mentions Asha on Slack by her name only. Ravi's Slack mention of himself reaches
    # Telegram as a mention of his Telegram account.
    await f.slack_event(f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "ping <@URAVI> done"))
    await f.relayed(lambda: bool(tg_copies(f, "done")))
    [tg] = tg_copies(f, "ping")
    assert f'ping <a href="tg://user?id={RAVI_TG}">Ravi Kumar</a> done' in tg.html
    await f.fakes.discord.say(ASHA, f"hi <@{ASHA}> here", mentions=(ASHA,))
    await f.relayed(lambda: bool(tg_copies(f, "hi @")))
    [tg] = tg_copies(f, "hi @")
    assert tg.html.endswith(f"hi @{WJ}Asha here")  # no Telegram account: her name, inert


async def test_a_member_with_a_discord_account_is_mentioned_there_and_only_they_are_pinged(
    four: Four,
) -> None:
    f = four
    dc = f.fakes.discord
    token = await dc.slash(ASHA, "link")
    await dc.wait_for(lambda: any(s.where == token and s.kind == "followup" for s in dc.sent))
    [answer] = [s for s in dc.sent if s.where == token and s.kind == "followup"]
    code = answer.content.split("`")[1]
    asha_tg = f.tg_user(4242, "Asha", chat_id=4242)
    await asha_tg.say(f"/link {code}")
    assert "Linked ✅" in asha_tg.text(), asha_tg.text()

    text = "Asha knows this"
    await tg_says(
        f,
        OM,
        "Om",
        text,
        [
            entity(
                "text_mention",
                text,
                "Asha",
                user={"id": 4242, "is_bot": False, "first_name": "Asha"},
            )
        ],
    )
    await f.relayed(lambda: bool(discord_copies(f, "knows this")))
    body = discord_sent(f, "knows this")
    assert body["content"].endswith(f"<@{ASHA}> knows this")
    assert [str(u) for u in body["allowed_mentions"]["users"]] == [ASHA]
    assert not body["allowed_mentions"].get("parse") and not body["allowed_mentions"].get("roles")


def test_typed_text_can_not_forge_a_mention_or_a_link() -> None:
    # Private-use characters typed on any platform are dropped; [x](url) typed on Slack or
    # Telegram stays words (Discord's masked links are its own formatting: a link, to https).
    forged = "\ue0007\ue001 [click](https://evil.example) \ue000slack:T1:UADMIN\ue002x\ue001"
    for made in (slack_markup(forged, {}, "T1"), markup_of(forged, [])):
        assert mentions_in(made) == []
        assert 'href="https://evil.example"' not in to_html(made)
    assert mentions_in(discord_markup(forged, {})) == []
    assert "href" not in to_html(discord_markup("[click](javascript:alert(1))", {}))
    # A Slack link to something other than a web page is its words.
    assert "javascript" not in to_html(slack_markup("<javascript:alert(1)|x>", {}, "T1"))
    # Telegram copies never carry a bare @word: it would notify that username.
    assert mentioning("hi @someone_else and a@b.co") == f"hi @{WJ}someone_else and a@b.co"


async def test_the_web_room_s_markup_arrives_formatted_on_each_platform(four: Four) -> None:
    f = four
    room = Room(f.srv, SLUG)
    try:
        await room.open()
        await room.send({"type": "join"})
        assert (await room.until("room"))["member"] is True
        await room.send(
            {"type": "say", "text": "*wide* _thin_ `mono` [docs](https://docs.python.org/) <!here>"}
        )
        await f.relayed(
            lambda: (
                bool(tg_copies(f, "wide"))
                and bool(slack_copies(f, "wide"))
                and bool(discord_copies(f, "wide"))
            )
        )
    finally:
        await room.close()
    [tg] = tg_copies(f, "wide")
    assert tg.html.endswith(
        '<b>wide</b> <i>thin</i> <code>mono</code> <a href="https://docs.python.org/">docs</a>'
        " &lt;!here&gt;"
    )
    [sl] = slack_copies(f, "wide")
    assert "*wide* _thin_ `mono` <https://docs.python.org/|docs> &lt;!here&gt;" in slack_mrkdwn(sl)
    assert discord_sent(f, "wide")["content"].endswith(
        "**wide** *thin* `mono` [docs](https://docs.python.org/) <!here\\>"
    )
