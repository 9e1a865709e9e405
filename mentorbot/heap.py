"""Keep the garbage collector off what startup built.

After startup the process holds a few hundred thousand long-lived objects (the skill
taxonomy and its index, SQLAlchemy's mappers and caches, aiogram's and pydantic's models,
MiniLM when it loads). Each full collection walked all of them again: in
bench/telegram_throughput.py full collections took ~0.35 s each on this machine and came
every few hundred updates. Freezing them after startup leaves the collector only what
requests create.
"""

from __future__ import annotations

import gc

from aiohttp import web


def settle_heap() -> None:
    gc.collect()
    gc.freeze()


async def settle_after_startup(_app: web.Application) -> None:
    # Freeze without collecting first: on the demo database the collection found ~300
    # unreachable objects among ~190,000 and cost 0.1 s of CPU before the server could
    # answer (bench/startup.py); those few stay frozen, which costs nothing worth that.
    gc.freeze()
