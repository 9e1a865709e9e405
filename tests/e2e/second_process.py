"""`python -m tests.e2e.second_process approve USER_ID`: an admin approves a mentor from a
process that is not the server (as in `mentorbot chat`), through the real admin command.

Settings come from the environment. This process has no recommender: the change must
reach the server through the database alone."""

from __future__ import annotations

import asyncio
import sys

from core.messaging import Actor, CommandIn
from mentorbot.bootstrap import build_core
from mentorbot.settings import Settings

ADMIN = Actor("console", "console", "admin", "Admin")


async def approve(user_id: int) -> None:
    core = await build_core(Settings(_env_file=None), matching=False)  # type: ignore[call-arg]
    try:
        replies = await core.handle(ADMIN, CommandIn("admin", f"approve {user_id}"))
        for reply in replies:
            print(reply.text.replace("\n", " "), flush=True)
        print("committed", flush=True)  # handle() returns after the step's commit
    finally:
        await core.db.dispose()


if __name__ == "__main__":
    verb, user_id = sys.argv[1:3]
    assert verb == "approve", verb
    asyncio.run(approve(int(user_id)))
