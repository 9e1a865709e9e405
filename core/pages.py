"""The one base layout every HTML page extends, and the loader that finds it (DESIGN 12).

Each web package (bots.web, calls, payments) keeps its own pages in its `templates/` folder
and renders them through its own aiohttp-jinja2 environment; all of them extend
`base.html` here, so the head, the security-relevant meta and the skip link are written once.
Autoescaping is on for every template: a value is escaped unless a template says otherwise.
"""

from __future__ import annotations

from typing import TypedDict

import jinja2

BASE = "base.html"


class Options(TypedDict):
    loader: jinja2.BaseLoader
    autoescape: bool
    undefined: type[jinja2.Undefined]
    trim_blocks: bool


def loader(*packages: str) -> jinja2.BaseLoader:
    """The templates of `packages` first, then core's base layout."""
    return jinja2.ChoiceLoader(
        [
            *(jinja2.PackageLoader(p, "templates") for p in packages),
            jinja2.PackageLoader("core", "templates"),
        ]
    )


def environment_options(*packages: str) -> Options:
    """Keyword arguments for `jinja2.Environment` (or `aiohttp_jinja2.setup`): the loader,
    autoescape on for every template whatever its name, and strict undefined values so a
    missing variable is an error rather than an empty string on a page. `trim_blocks` keeps
    the lines of template tags out of the page."""
    return {
        "loader": loader(*packages),
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
    }
