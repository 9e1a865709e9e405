"""The web chat's page templates (bots/web/templates), each extending core's base layout."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from core import pages

TEMPLATES = web.AppKey("web_templates", jinja2.Environment)


def setup_templates(app: web.Application) -> None:
    """Once per app: the chat routes and the small pages both render through it."""
    if TEMPLATES not in app:
        aiohttp_jinja2.setup(app, app_key=TEMPLATES, **pages.environment_options("bots.web"))


def render(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(name, request, context, app_key=TEMPLATES, status=status)
