"""The buttons people and admins press on applications, withdrawals and profiles, wherever they
were sent (a dialog or a notification): payloads declared with the domain they act on."""

from __future__ import annotations

from dataclasses import dataclass

from core.messaging import Button
from core.payloads import Payload


@dataclass(frozen=True)
class Adm(Payload, prefix="adm"):
    what: str
    target: int


def application_buttons(user_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("✅ Approve", Adm("ok", user_id).pack()),
            Button("❌ Reject", Adm("no", user_id).pack()),
        ),
    )


@dataclass(frozen=True)
class Wal(Payload, prefix="wal"):
    what: str  # csv | wd | ok | no | list
    target: int


@dataclass(frozen=True)
class WalConfirm(Payload, prefix="walc"):
    yes: bool


def withdrawal_buttons(withdrawal_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("✅ Approve payout", Wal("ok", withdrawal_id).pack()),
            Button("❌ Reject", Wal("no", withdrawal_id).pack()),
        ),
    )


@dataclass(frozen=True)
class HelpfulPost(Payload, prefix="hp"):
    """ "👍 Helpful" on a post's announcement: the presser marks that post helpful."""

    post_id: int


@dataclass(frozen=True)
class ViewProfile(Payload, prefix="pv"):
    user_id: int


@dataclass(frozen=True)
class Cm(Payload, prefix="cm"):
    """A community button: join | leave | browse | create | vis (a creation step)."""

    what: str
    target: int
