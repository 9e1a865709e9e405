"""The dashboard's queues and action forms (issue 17, part 3): disputes, reports and pending
mentor applications at /admin/queues, each with a form posted to /admin/act.

Every form runs the same core function as the chat's command or button (core.dialogs:
`decide_dispute`, `act_on_report`, `decide_person_report`, `change_person`,
`decide_application`), so the rules, the audit log and what the people concerned are told
are written once.

A form carries a nonce and a CSRF token: core.signing's `csrf_token` (the pay forms' double
submit) over the admin's session cookie and that nonce, so a page on another site can't
make one and a token is only good with the session it was shown to. The nonce is kept once
used (key_values, in the action's own transaction), so a form sent twice — a reload, a
back button, a replayed request — acts once and then gets a clear page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db.kv import KeyValue
from core.db.schema import Account, User
from core.dialogs.admin import application_text, decide_application
from core.dialogs.admin_money import (
    decide_dispute,
    dispute_text,
    refund_amount,
    refund_booking,
    split_part,
)
from core.dialogs.admin_people import change_person
from core.dialogs.admin_reports import act_on_report, dm_report_items, message_report_items
from core.dialogs.safety import decide_person_report, person_report_items
from core.markup import to_html
from core.messaging import Reply
from core.numbers import as_int
from core.signing import Keys, csrf_token, csrf_valid
from core.uow import UnitOfWork

QUEUE_ROWS = 20
MAX_FORM_BYTES = 8 * 1024
NONCE_PREFIX = "admin-form:"
# What each kind of form may ask for; anything else is a bad form.
ACTIONS: dict[str, tuple[str, ...]] = {
    "dispute": ("mentor", "learner", "split"),
    "report": ("dismiss", "delete", "warn", "mute"),
    "dmreport": ("dmdismiss",),
    "personreport": ("dismissed", "actioned"),
    "suspend": ("suspend",),
    "application": ("approve", "reject"),
    "refund": ("refund",),
}
NEEDS_REASON = {"dispute", "suspend", "refund"}


class BadForm(Exception):
    """A form the dashboard did not make or can't act on: shown as a page, never a trace."""

    def __init__(self, status: int, title: str, why: str) -> None:
        super().__init__(why)
        self.status, self.title, self.why = status, title, why


def form_fields(keys: Keys, session: str, kind: str, target: int | None) -> dict[str, Any]:
    """The hidden fields of one form: a fresh nonce and its CSRF token; `target` None: the
    form has a field for it (the refund form's session number)."""
    nonce = secrets.token_urlsafe(12)
    return {
        "kind": kind,
        "target": target,
        "nonce": nonce,
        "csrf": csrf_token(keys, f"{session}|{nonce}"),
    }


async def admin_of(u: UnitOfWork, web_id: str) -> User | None:
    user = await u.session.scalar(
        select(User)
        .join(Account, Account.user_id == User.id)
        .where(Account.platform == "web", Account.external_id == web_id)
    )
    return user if user is not None and user.is_admin else None


def html(text: str) -> Markup:
    """Core's chat markup as HTML; to_html escapes every piece of user text."""
    return Markup(to_html(text))  # to_html escapes every span of text it is given


async def queues(
    u: UnitOfWork, form: Callable[[str, int | None], dict[str, Any]]
) -> dict[str, Any]:
    """Everything /admin/queues shows, each item with its forms."""
    s = u.session
    disputes = [
        {
            "id": d.booking.id,
            "text": html(await dispute_text(s, d)),
            "form": form("dispute", d.booking.id),
        }
        for d in await u.admin_money.disputes(QUEUE_ROWS)
    ]
    reports: list[dict[str, Any]] = [
        {
            "text": html(text),
            "form": form("report", m.id),
            "actions": [
                ("dismiss", "Dismiss"),
                ("delete", "Delete message"),
                ("warn", "Warn"),
                ("mute", "Mute 24 h"),
            ],
            "suspend": form("suspend", m.author_id),
        }
        for m, text in await message_report_items(s, QUEUE_ROWS)
    ]
    reports += [
        {
            "text": html(text),
            "form": form("personreport", r.id),
            "actions": [("dismissed", "Dismiss"), ("actioned", "Dealt with")],
            "suspend": form("suspend", r.target_user_id),
        }
        for r, text in await person_report_items(u, QUEUE_ROWS)
    ]
    reports += [
        {
            "text": html(text),
            "form": form("dmreport", r.id),
            "actions": [("dmdismiss", "Dismiss")],
            "suspend": form("suspend", m.author_id),
        }
        for r, m, text in await dm_report_items(s, QUEUE_ROWS)
    ]
    applications = [
        {
            "id": user.id,
            "text": html(await application_text(u, user.id)),
            "approve": form("application", user.id),
            "reject": form("application", user.id),
        }
        for user, _mp in await u.mentors.pending(QUEUE_ROWS)
    ]
    return {
        "disputes": disputes,
        "reports": reports,
        "applications": applications,
        "refund": form("refund", None),
    }


def _field(form: Any, name: str, limit: int = 600) -> str:
    value = form.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise BadForm(400, "Form not understood", f"The form's “{name}” field is not valid.")
    return value.strip()


def read_form(keys: Keys, session: str, form: Any) -> tuple[str, str, int, str, str, str]:
    """(nonce, kind, target, action, reason, part) of a posted form, checked; BadForm if not."""
    nonce = _field(form, "nonce", 64)
    if not nonce or not csrf_valid(keys, f"{session}|{nonce}", _field(form, "csrf", 512) or None):
        raise BadForm(
            403,
            "Form expired",
            "This form has expired or didn't come from the dashboard. "
            "Open the queues again and send it from there.",
        )
    kind, action = _field(form, "kind", 20), _field(form, "action", 20)
    target = as_int(_field(form, "target", 20))
    if kind not in ACTIONS or action not in ACTIONS[kind] or target is None:
        raise BadForm(400, "Form not understood", "This form asks for something the queue lacks.")
    reason, part = _field(form, "reason"), _field(form, "part", 20)
    needs_reason = kind in NEEDS_REASON or (kind == "application" and action == "reject")
    if needs_reason and not 3 <= len(reason) <= 500:
        raise BadForm(
            400, "A reason is needed", "Please give a reason of 3 to 500 characters, then send."
        )
    if kind == "dispute" and action == "split" and not part:
        raise BadForm(
            400,
            "How much goes back?",
            "A split needs the learner's part: an amount (e.g. 40) or a percentage (e.g. 50%).",
        )
    return nonce, kind, target, action, reason, part


async def spend_nonce(u: UnitOfWork, nonce: str) -> None:
    """A form acts once: its nonce is kept in the action's own transaction."""
    key = NONCE_PREFIX + nonce
    if await u.session.get(KeyValue, key) is not None:
        raise BadForm(409, "Already sent", ALREADY_SENT)
    u.session.add(KeyValue(key=key, value="used", updated_at=u.now))
    try:
        await u.session.flush()
    except IntegrityError as exc:  # the same form sent twice at once: the other one won
        raise BadForm(409, "Already sent", ALREADY_SENT) from exc


ALREADY_SENT = (
    "This form was sent already and acted on once; it does nothing a second time. "
    "Open the queues again to see where things stand."
)


async def act(
    u: UnitOfWork, admin: User, kind: str, target: int, action: str, reason: str, part: str
) -> Reply:
    """One form's action, through the same core function as the chat's."""
    if kind == "dispute":
        share: int | None = None
        if action == "split":
            got = await split_part(u, target, part)
            if isinstance(got, str):
                return Reply(f"Nothing changed: {got}")
            share = got
        return await decide_dispute(u, admin, target, action, share, reason)
    if kind in ("report", "dmreport"):
        return await act_on_report(u, admin, action, target)
    if kind == "personreport":
        return await decide_person_report(u, admin, target, action)
    if kind == "suspend":
        return await change_person(u, admin, "suspend", target, reason)
    if kind == "refund":
        amount = await refund_amount(u, target, part)
        if isinstance(amount, str):
            return Reply(f"Nothing refunded: {amount}")
        return await refund_booking(u, admin, target, amount, reason)
    return await decide_application(u, admin, action, target, reason)
