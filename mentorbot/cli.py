"""The `mentorbot` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from aiohttp import web

from mentorbot.logs import configure as configure_logs
from mentorbot.settings import Settings

DEMO_ADMIN = "admin"


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        sys.exit(f"Configuration error: {exc}")


async def _serve(settings: Settings, banner: Sequence[str] = ()) -> None:
    from mentorbot.app import create_app

    app = create_app(settings)
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, settings.http_host, settings.http_port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        sys.exit(
            f"Can't listen on {settings.http_host}:{settings.http_port} ({exc.strerror}). "
            "Is MentorBot already running? Set MENTORBOT_HTTP_PORT to use another port."
        )
    print(f"MentorBot is running: open {settings.base_url}/ in your browser (Ctrl-C stops).")
    for line in banner:
        print(line)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


async def _db_upgrade(settings: Settings) -> None:
    from core.db.engine import create_engine
    from mentorbot.bootstrap import ensure_sqlite_folder
    from mentorbot.migrate import current, upgrade

    ensure_sqlite_folder(settings.database_url)
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    print(f"Database at revision {await current(engine)}.")
    await engine.dispose()


async def _seed(settings: Settings, mentors: int, learners: int, seed: int, if_empty: bool) -> None:
    from core.db import changes
    from mentorbot.bootstrap import build_core
    from mentorbot.seed import seed as run_seed

    core = await build_core(settings, matching=False)
    try:
        if if_empty:
            async with core.uow() as u:
                users = await u.identity.count_users()
            if users:
                print(f"Database already has {users} users; not seeding.")
                return
        report = await run_seed(
            core.db, mentors=mentors, learners=learners, seed=seed, now=core.clock.now()
        )
        async with core.uow() as u:
            # Written in bulk behind the dialogs: running servers rebuild their search.
            await changes.record_everything(u.session, u.now)
        print(
            f"Seeded {report.mentors} mentors ({report.pending} pending approval), "
            f"{report.learners} learners and {report.reviews} reviews."
        )
    finally:
        await core.db.dispose()


async def _grant_demo_admins(settings: Settings) -> None:
    """Create the demo admin's accounts now, so the role also holds for `mentorbot chat`,
    which reads settings without the demo's default admins."""
    from core.messaging import Actor
    from mentorbot.bootstrap import build_core

    core = await build_core(settings, matching=False)
    try:
        async with core.uow() as u:
            for platform in ("web", "console"):
                await u.identity.resolve(Actor(platform, platform, DEMO_ADMIN, "Admin"))
    finally:
        await core.db.dispose()


async def _badges_recompute(settings: Settings) -> str:
    """Badges from the whole history: grant what's missing, withdraw what isn't earned."""
    from core.uow import unit_of_work
    from mentorbot.bootstrap import build_core

    core = await build_core(settings, matching=False)
    try:
        async with unit_of_work(core.deps) as u:
            granted, withdrawn = await u.badges.repair()
            held = len(await u.badges.held())
    finally:
        await core.db.dispose()
    return (
        f"Badges recomputed from history: {held} held ({granted} granted, {withdrawn} withdrawn)."
    )


def _login_link(settings: Settings, who: str) -> str:
    from bots.web.identity import login_token

    platform, _, name = who.partition(":")
    if platform != "web" or not name:
        sys.exit("Login links are for web accounts: mentorbot admin login-link web:NAME")
    return f"{settings.base_url}/login?token={login_token(settings.signing_keys(), name, ttl_s=7 * 24 * 3600)}"


async def _chat(settings: Settings, name: str) -> None:
    from bots.console.bot import run_console
    from mentorbot.bootstrap import build_core

    core = await build_core(settings)
    try:
        await run_console(core, name, files_dir=settings.data_dir / "console")
    finally:
        from matching.engine import MatchingEngine

        if isinstance(core.recommender, MatchingEngine):
            await core.recommender.close()
        await core.db.dispose()


async def _set_webhook(settings: Settings) -> None:
    from bots.telegram.setup import set_webhook

    try:
        url = await set_webhook(settings.telegram())
    except ValueError as exc:
        sys.exit(f"Can't set the Telegram webhook: {exc}.")
    print(f"Telegram will send updates to {url}")


async def _discord_sync(settings: Settings, guild: int | None) -> None:
    from bots.discord.registration import sync_commands
    from bots.discord.setup import configure_endpoints
    from mentorbot.bootstrap import build_core

    token = settings.discord_token.get_secret_value()
    if not token:
        sys.exit("Set MENTORBOT_DISCORD_TOKEN (the bot token) first.")
    configure_endpoints(
        settings.discord_api_url, settings.discord_gateway_url, settings.discord_cdn_url
    )
    # Migrated: the digest of what was registered is kept in the database.
    core = await build_core(settings, matching=False)
    try:
        names = await sync_commands(core, token, guild)
    finally:
        await core.db.dispose()
    where = f"in server {guild} (shown there at once)" if guild else "globally"
    print(f"Registered {', '.join('/' + n for n in names)} {where}.")


def _slack_manifest(url: str) -> str:
    import json
    from urllib.parse import urlsplit

    from bots.slack.manifest import manifest

    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        # Slack refuses request and redirect URLs that aren't https.
        sys.exit(
            "Give the public https URL MentorBot is reached at, "
            "e.g. --url https://mentor.example.com"
        )
    return json.dumps(manifest(url), indent=2)


async def _rotate_data_key(settings: Settings) -> int:
    """Re-encrypt every platform token stored in the database under the newest data key."""
    from bots.slack.oauth import rotate_tokens
    from core.db.engine import create_engine

    engine = create_engine(settings.database_url)
    try:
        return await rotate_tokens(engine, settings.data_box())
    finally:
        await engine.dispose()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mentorbot", description="MentorBot: peer micro-mentorship.")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("serve", help="run the web server (web chat, webhooks)")
    sub.add_parser(
        "rotate-data-key",
        help="re-encrypt stored platform tokens under the first key of MENTORBOT_DATA_KEY",
    )
    demo = sub.add_parser("demo", help="migrate, add sample data if empty, and serve")
    demo.add_argument("--mentors", type=int, default=300)
    demo.add_argument("--learners", type=int, default=200)
    db = sub.add_parser("db", help="database migrations")
    dbsub = db.add_subparsers(dest="db_cmd", required=True)
    dbsub.add_parser("upgrade", help="apply all migrations")
    seed = sub.add_parser("seed", help="add synthetic mentors and learners")
    seed.add_argument("--mentors", type=int, default=50)
    seed.add_argument("--learners", type=int, default=50)
    seed.add_argument("--seed", type=int, default=7)
    chat = sub.add_parser("chat", help="talk to MentorBot in this terminal")
    chat.add_argument("--as", dest="name", required=True, help="your console user name")
    admin = sub.add_parser("admin", help="admin helpers")
    asub = admin.add_subparsers(dest="admin_cmd", required=True)
    ll = asub.add_parser("login-link", help="print a one-week login link for a web account")
    ll.add_argument("who", help="web:NAME")
    tg = sub.add_parser("telegram", help="Telegram bot helpers")
    tgsub = tg.add_subparsers(dest="tg_cmd", required=True)
    tgsub.add_parser("set-webhook", help="register PUBLIC_URL/webhooks/telegram with Telegram")
    dc = sub.add_parser("discord", help="Discord bot helpers")
    dcsub = dc.add_subparsers(dest="discord_cmd", required=True)
    sync = dcsub.add_parser("sync-commands", help="register /mentor and /mentor-admin")
    sync.add_argument("--guild", type=int, help="register in this server only (a server id)")
    bd = sub.add_parser("badges", help="badges and streaks")
    bdsub = bd.add_subparsers(dest="badges_cmd", required=True)
    bdsub.add_parser("recompute", help="recompute every badge from history (idempotent)")
    sl = sub.add_parser("slack", help="Slack app helpers")
    slsub = sl.add_subparsers(dest="slack_cmd", required=True)
    mf = slsub.add_parser("manifest", help="print the Slack app manifest (JSON) to create the app")
    mf.add_argument("--url", required=True, help="the public https URL MentorBot is reached at")
    from mentorbot.match_cli import add_commands

    add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = _settings()
    configure_logs(settings.log_level)  # JSON lines with MENTORBOT_LOG_FORMAT=json
    # Alembic narrates every plugin and migration step at INFO; only its problems matter here.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.root.level))
    # The scheduler logs every run of every job; keep its warnings and errors.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.root.level))
    try:
        if args.cmd == "serve":
            asyncio.run(_serve(settings))
        elif args.cmd == "rotate-data-key":
            n = asyncio.run(_rotate_data_key(settings))
            print(f"re-encrypted {n} stored token rows under the newest data key")
        elif args.cmd == "db":
            asyncio.run(_db_upgrade(settings))
        elif args.cmd == "seed":
            asyncio.run(_seed(settings, args.mentors, args.learners, args.seed, if_empty=False))
        elif args.cmd == "chat":
            asyncio.run(_chat(settings, args.name))
        elif args.cmd == "discord":
            asyncio.run(_discord_sync(settings, args.guild))
        elif args.cmd == "slack":
            print(_slack_manifest(args.url))
        elif args.cmd == "telegram":
            asyncio.run(_set_webhook(settings))
        elif args.cmd == "admin":
            print(_login_link(settings, args.who))
        elif args.cmd == "badges":
            print(asyncio.run(_badges_recompute(settings)))
        elif args.cmd in ("eval", "match"):
            from mentorbot import match_cli as mcli

            if args.cmd == "match":
                asyncio.run(mcli.run_match(settings, args))
            elif args.eval_cmd == "dialog":
                from mentorbot import dialog_eval

                dialog_eval.run(args)
            elif args.eval_cmd == "ab":
                asyncio.run(mcli.run_ab(settings))
            else:
                {"offline": mcli.run_offline, "movielens": mcli.run_movielens}.get(
                    args.eval_cmd, mcli.run_synthetic
                )(args)
        elif args.cmd == "demo":
            if not settings.admins:
                settings.admins = [f"web:{DEMO_ADMIN}", f"console:{DEMO_ADMIN}"]
            asyncio.run(_seed(settings, args.mentors, args.learners, 7, if_empty=True))
            if f"console:{DEMO_ADMIN}" in settings.admins:
                asyncio.run(_grant_demo_admins(settings))
            banner = [
                f"Admin (demo): open {_login_link(settings, 'web:' + DEMO_ADMIN)}",
                "  or run: mentorbot chat --as admin",
            ]
            asyncio.run(_serve(settings, banner))
    except KeyboardInterrupt:
        print("\nStopped.")


if __name__ == "__main__":
    main()
