"""Short, true answers to questions about MentorBot itself, built from the live policies —
so "how much does it cost?" says what this deployment actually charges."""

from __future__ import annotations

from core.currency import money
from core.policies import Policies


def _split(p: Policies) -> str:
    """ "70/30: 70 % to the mentor, 30 % platform fee" from the fee policy."""
    fee = p.platform_fee_bps / 100
    mentor = 100 - fee
    return f"{mentor:g}/{fee:g}: {mentor:g} % to the mentor, {fee:g} % platform fee"


def price_answer(p: Policies) -> str:
    lengths = ", ".join(str(n) for n in p.session_lengths)
    return (
        f"Each mentor sets their own price. Sessions are short ({p.default_session_minutes} "
        f"minutes by default; mentors offer {lengths} min); a typical paid session is "
        f"{money(p.default_price_minor, p.currency)}. Many mentors are free, and some take "
        "skill-exchange credits instead of money. You see the price before you book; what you "
        f"pay is held until the session is done. A paid session is split {_split(p)} "
        "(it keeps MentorBot running)."
    )


def free_answer(p: Policies) -> str:
    return (
        "Using MentorBot is free. Some mentors are free too; others charge per session "
        f"(typically {money(p.default_price_minor, p.currency)}) or take skill-exchange "
        f"credits — you start with {p.starter_credits}. Every mentor's price is on their "
        "profile, before you book."
    )


def how_answer(p: Policies) -> str:
    return (
        "Tell me what you want to learn and I'll show peers who know it, with why each one "
        f"fits. Pick a time, and the mentor accepts within {p.respond_within_h} h. At the time, "
        f"open the call link (it opens {p.room_opens_before_min} minutes before), talk for "
        f"{p.default_session_minutes} minutes or so, then rate the session. You can also "
        "mentor others in what you know."
    )


def refund_answer(p: Policies) -> str:
    return (
        f"Cancel at least {p.learner_full_refund_h} h before the start and you get a full "
        f"refund; later than that the mentor keeps their share and there's no refund. If the mentor cancels, declines or doesn't "
        f"show up ({p.no_show_after_min} minutes after the start), you get everything back. "
        "Something else went wrong? Use “Report a problem” on the session: nothing is paid "
        "out until an admin decides."
    )


def credits_answer(p: Policies) -> str:
    return (
        "Skill-exchange credits let you learn by teaching: mentor someone for a credits "
        "session and you earn a credit; spend one to book a mentor who takes credits. "
        f"Everyone starts with {p.starter_credits}. See yours with /wallet."
    )


ANSWERS = {
    "ask_price": price_answer,
    "ask_free": free_answer,
    "ask_how": how_answer,
    "ask_refund": refund_answer,
    "ask_credits": credits_answer,
}
