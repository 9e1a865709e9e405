"""One worker retrains the matching model and publishes it; the others load it (issue 21,
part 7).

The worker that holds the trainer role (the elected scheduler) fits the CF model and the
learned blend, as `MatchingEngine.retrain` always did, then stores them as a new version in
the database (matching/modelstore.py, in the format of matching/artefacts.py) and announces
the version (Redis pub/sub when there is Redis). Every other worker loads the newest version
when told, and also looks for one on a timer (the only way without Redis; a missed message
with it). Between versions each worker keeps its index current through the change log and
folds in the choices it logs itself, as before.

A single SQLite process is its own trainer and publishes nothing: it retrains itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from core.ports import Clock
from matching import artefacts, modelstore
from matching.engine import MatchingEngine

log = logging.getLogger(__name__)

POLL_S = 5.0  # without Redis: how soon a worker finds a new version
POLL_WITH_REDIS_S = 30.0  # with Redis: a fallback for an announcement missed
FIRST_S = 2.0  # until a first version exists, the trainer looks this often whether to publish

Announce = Callable[[int], Awaitable[None]]


class ModelSync:
    def __init__(
        self,
        engine: MatchingEngine,
        clock: Clock,
        *,
        worker: str,
        trainer: Callable[[], bool],
        publish: bool,
        announce: Announce | None = None,
    ) -> None:
        """`trainer`: whether this worker retrains now (it holds the scheduler); `publish`:
        False for a single process (SQLite), which only retrains itself."""
        self.engine = engine
        self.clock = clock
        self.worker = worker
        self.trainer = trainer
        self.publish = publish
        self.announce = announce
        self._lock = asyncio.Lock()
        engine.on_everything = self.everything

    async def scheduled(self) -> None:
        """The retrain job, in every worker: the trainer retrains, the others look for a
        version they have not loaded yet."""
        now = self.clock.now()
        if not self.publish or self.trainer():
            await self.train(now)
        else:
            await self.check(now)

    async def everything(self, now: datetime) -> None:
        """The change log asks every process to retrain (`mentorbot match retrain`, a
        taxonomy change): the trainer does; the others rebuild their index from the database
        around the model they have, and load the trainer's new version when it comes."""
        if not self.publish or self.trainer():
            await self.train(now)
            return
        async with self._lock:
            engine = self.engine
            if engine.fitted:
                version, source = engine.model_version, engine.model_source
                await engine.rebuild(now, model=engine.trained(), version=version)
                engine.model_source = source
            else:
                await engine.rebuild(now, fit=False)

    async def train(self, now: datetime) -> int | None:
        """Retrain here and, across workers, publish; the version published."""
        async with self._lock:
            await self.engine.retrain(now)
            if not self.publish:
                return None
            # The histories are copied here, on the loop: a chat step folding a choice into
            # them (MatchingEngine.log_event) must not change them under the dump's thread.
            e = self.engine
            snap = artefacts.snapshot(e.cf, e.cf_features, e.learned)
            data = await asyncio.to_thread(artefacts.dump, snap)
            version = await modelstore.publish(self.engine.db, data, self.worker, now)
            self.engine.model_version = version
        log.info("matching model version %d published (%d bytes)", version, len(data))
        if self.announce is not None:
            try:
                await self.announce(version)
            except Exception:  # the others find it on their next poll
                log.warning("could not announce matching model version %d", version)
        return version

    async def check(self, now: datetime | None = None) -> int | None:
        """Load the newest published version if it is newer than the one in use."""
        async with self._lock:
            return await self.engine.load_published(now or self.clock.now())

    async def run(self, poll_s: float = POLL_S) -> None:
        """Until cancelled: look for new versions; the trainer publishes a first one as soon
        as there is none (a fresh deployment), so the others need not wait for the schedule."""
        while True:
            wait = poll_s
            try:
                latest = await modelstore.latest_version(self.engine.db)
                if latest is None:
                    wait = FIRST_S
                    if self.trainer() and self.engine.fitted:
                        await self.train(self.clock.now())
                elif self.engine.model_version is None or latest > self.engine.model_version:
                    await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("looking for a published matching model failed")
                wait = poll_s  # not every FIRST_S while something keeps failing
            await asyncio.sleep(wait)

    async def announced(self, version: int) -> None:
        """Another worker published `version` (a Redis message)."""
        if self.engine.model_version is None or version > self.engine.model_version:
            await self.check()
