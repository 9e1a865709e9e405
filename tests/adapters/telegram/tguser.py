"""A person in the fake Telegram: sends updates, waits until the bot has finished each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from bots.telegram.bot import TelegramBot
from bots.telegram.flood import Timer
from core.app import CoreApp
from core.messaging import Reply
from tests.adapters.telegram.fakeapi import FakeBotAPI, Sent


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    @property
    def timer(self) -> Timer:
        return Timer(monotonic=self.monotonic, sleep=self.sleep)


@dataclass
class TypingGate:
    """When has a step been slow? The test says so: each armed timer fires when `due` is set."""

    due: asyncio.Event = field(default_factory=asyncio.Event)
    asked: list[float] = field(default_factory=list)

    def later(self, seconds: float, callback: Callable[[], None]) -> asyncio.Task[None]:
        self.asked.append(seconds)

        async def fire() -> None:
            await self.due.wait()
            self.due.clear()
            callback()

        return asyncio.create_task(fire())


class HeldSteps:
    """core.handle wrapped so the test decides when a step may go on: `entered` is set
    when one starts (a slow search, say), and it finishes once `release` is set."""

    def __init__(self, core: CoreApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = asyncio.Event(), asyncio.Event()
        real = core.handle

        async def held(*args: Any, **kwargs: Any) -> list[Reply]:
            self.entered.set()
            await self.release.wait()
            return await real(*args, **kwargs)

        monkeypatch.setattr(core, "handle", held)


class TgUser:
    def __init__(
        self,
        api: FakeBotAPI,
        tg: TelegramBot,
        user_id: int,
        name: str = "Test",
        chat_id: int | None = None,
        username: str | None = None,
    ) -> None:
        self.api, self.tg, self.user_id, self.name = api, tg, user_id, name
        self.username = username
        self.chat_id = chat_id if chat_id is not None else user_id
        self.last: list[Sent] = []

    def _snapshot(self) -> dict[int, int]:
        return {m.message_id: m.edits for m in self.api.chat_messages(self.chat_id)}

    async def send_update(self, update: dict[str, object]) -> list[Sent]:
        before = self._snapshot()
        uid = self.api.push(update)
        await self.tg.wait_finished(uid, within_s=15)
        self.last = [
            m
            for m in self.api.chat_messages(self.chat_id)
            if before.get(m.message_id, -1) != m.edits
        ]
        return self.last

    async def say(self, text: str) -> list[Sent]:
        return await self.send_update(
            self.api.text_update(
                self.user_id,
                text,
                chat_id=self.chat_id,
                first_name=self.name,
                username=self.username,
            )
        )

    def button(self, label: str) -> tuple[Sent, str]:
        pool = self.last + list(reversed(self.api.chat_messages(self.chat_id)))
        seen: list[str] = []
        for m in pool:
            for b in m.buttons():
                seen.append(b["text"])
                if label.casefold() in b["text"].casefold() and "callback_data" in b:
                    return m, b["callback_data"]
        raise AssertionError(f"no button like {label!r}; have {seen}")

    async def press(self, label: str) -> list[Sent]:
        msg, data = self.button(label)
        return await self.send_update(
            self.api.press_update(
                self.user_id, msg, data, first_name=self.name, username=self.username
            )
        )

    def text(self) -> str:
        return "\n".join(m.plain for m in self.last)
