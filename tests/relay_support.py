"""A recording Bridge for core-level bridge tests: keeps what each chat would show, and can
be told to answer "not now" (429) or to be down, as a platform does."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.messaging import AnyButton
from core.ports import ChatRef, MessageGone, RelayOut, RelayRetry


@dataclass
class Shown:
    id: str
    text: str
    reply_to: str | None
    file: str | None = None
    buttons: tuple[tuple[AnyButton, ...], ...] = ()


@dataclass
class RecordingBridge:
    platform: str
    chats: dict[str, dict[str, Shown]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (op, chat, message id)
    busy: int = 0  # answer 429 this many times
    down: bool = False
    next_id: int = 1000

    def _check(self) -> None:
        if self.down:
            raise ConnectionError(f"{self.platform} is down")
        if self.busy:
            self.busy -= 1
            raise RelayRetry(2.0, "429 Too Many Requests")

    async def post(self, chat: ChatRef, out: RelayOut) -> str:
        self._check()
        self.next_id += 1
        mid = str(self.next_id)
        file = out.file.name if out.file else None
        self.chats.setdefault(chat.chat_id, {})[mid] = Shown(
            mid, out.reply.text, out.reply_to, file, out.reply.buttons
        )
        self.calls.append(("post", chat.chat_id, mid))
        return mid

    async def edit(self, chat: ChatRef, message_id: str, out: RelayOut) -> None:
        self._check()
        shown = self.chats.get(chat.chat_id, {}).get(message_id)
        if shown is None:
            raise MessageGone(message_id)
        shown.text = out.reply.text
        self.calls.append(("edit", chat.chat_id, message_id))

    async def delete(self, chat: ChatRef, message_id: str) -> None:
        self._check()
        self.calls.append(("delete", chat.chat_id, message_id))
        if self.chats.get(chat.chat_id, {}).pop(message_id, None) is None:
            raise MessageGone(message_id)

    def texts(self, chat_id: str) -> list[str]:
        return [s.text for s in self.chats.get(chat_id, {}).values()]
