"""A Discord member who runs /mentor, presses components and types in the bot's DMs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp.test_utils import TestServer

from bots.discord.setup import DISCORDBOT
from tests.adapters.discord.fake_discord import FakeDiscord, Sent


class DiscordUser:
    def __init__(self, server: TestServer, fake: FakeDiscord, uid: str, name: str) -> None:
        self.server = server
        self.fake = fake
        self.uid = uid
        self.name = name
        self.last: list[Sent] = []
        self.callback: Sent | None = None  # the initial answer to the last interaction
        fake.add_user(uid, name)

    async def _settle(self) -> None:
        await self.server.app[DISCORDBOT].settle()

    async def _answered(self, token: str) -> list[Sent]:
        """What the person sees: an immediate message (callback type 4) and the follow-ups."""
        await self.fake.wait_for(lambda: any(s.where == token for s in self.fake.sent))
        await self._settle()
        self.callback = next(s for s in self.fake.sent if s.where == token and s.kind == "callback")
        self.last = [
            s for s in self.fake.sent if s.where == token and (s.kind == "followup" or s.type == 4)
        ]
        return self.last

    async def slash(
        self,
        sub: str,
        guild: bool = True,
        command: str = "mentor",
        forged_types: dict[str, int] | None = None,
        **options: str,
    ) -> list[Sent]:
        token = await self.fake.slash(
            self.uid, sub, options, guild=guild, command=command, forged_types=forged_types
        )
        return await self._answered(token)

    async def slash_answer(self, sub: str, command: str = "mentor", **options: str) -> str:
        """A command answered at once (no deferral): the callback's own text."""
        token = await self.fake.slash(self.uid, sub, options, command=command)
        await self.fake.wait_for(lambda: any(s.where == token for s in self.fake.sent))
        await self._settle()
        return "\n".join(s.content for s in self.fake.sent if s.where == token)

    async def say(self, text: str, files: Sequence[tuple[str, str, bytes]] = ()) -> list[Sent]:
        channel = self.fake._dm_for(self.uid)
        before = len([s for s in self.fake.sent if s.where == channel])
        await self.fake.dm(self.uid, text, files)
        await self.fake.wait_for(
            lambda: len([s for s in self.fake.sent if s.where == channel]) > before
        )
        await self._settle()
        self.last = [s for s in self.fake.sent if s.where == channel][before:]
        return self.last

    def find(
        self, label: str, where: list[Sent] | None = None
    ) -> tuple[Sent, str, list[str] | None]:
        labels: list[str] = []
        for sent in reversed(where if where is not None else self.last):
            for row in sent.components:
                for c in row.get("components", []):
                    if c.get("type") == 2 and c.get("custom_id"):
                        labels.append(c["label"])
                        if label.casefold() in c["label"].casefold():
                            return sent, c["custom_id"], None
                    if c.get("type") == 3:
                        for o in c["options"]:
                            labels.append(o["label"])
                            if label.casefold() in o["label"].casefold():
                                return sent, c["custom_id"], [o["value"]]
        raise AssertionError(f"no component like {label!r}; have {labels}")

    async def press(
        self, label: str, where: list[Sent] | None = None, guild: bool = True
    ) -> list[Sent]:
        sent, custom_id, values = self.find(label, where)
        token = await self.fake.click(self.uid, sent, custom_id, values, guild=guild)
        return await self._answered(token)

    async def click_id(self, custom_id: str, on: Sent, guild: bool = True) -> list[Sent]:
        """A component press with any custom_id (e.g. one from an older version of the bot)."""
        token = await self.fake.click(self.uid, on, custom_id, guild=guild)
        return await self._answered(token)

    def modal(self) -> Sent:
        """The modal the last press opened (callback type 9)."""
        assert self.callback is not None and self.callback.type == 9, self.callback
        return self.callback

    async def fill(self, values: dict[str, str], guild: bool = True) -> list[Sent]:
        """Submit the modal the last press or command opened."""
        token = await self.fake.submit(self.uid, self.modal(), values, guild=guild)
        return await self._answered(token)

    def text(self) -> str:
        return "\n".join(s.content for s in self.last)

    def flags(self) -> list[Any]:
        return [s.flags for s in self.last]
