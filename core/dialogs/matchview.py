"""How recommendations read in a chat: the understood query (tap ✖ to correct a part), one
line of reason per mentor, and "why this mentor?" with the score breakdown."""

from __future__ import annotations

from core.currency import money
from core.languages import language_by_code
from core.markup import esc
from core.recommend import DEFAULT_LEARNER_ZONE, MatchQuery, Recommendation
from core.timezones import zone

SIGNAL_LABELS = {
    "skill": "Skill match",
    "level": "Level fit",
    "semantic": "Meaning of your words",
    "tfidf": "Shared words",
    "cf": "Learners like you",
    "reputation": "Reputation (smoothed rating)",
    "availability": "Free when you asked",
    "language": "Language",
    "price": "Price fit",
    "new-mentor boost": "New-mentor boost",
    "exposure cap": "Exposure cap (shown a lot lately)",
}


def understood_parts(q: MatchQuery, learner_tz: str | None) -> list[tuple[str, str]]:
    """(part, label) for everything query understanding picked out, in display order."""
    parts: list[tuple[str, str]] = []
    if q.skill_names:
        parts.append(("skill", ", ".join(q.skill_names)))
    if q.level:
        parts.append(("level", q.level))
    if q.window is not None:
        try:
            tz = zone(learner_tz or DEFAULT_LEARNER_ZONE)
        except ValueError:
            tz = zone(DEFAULT_LEARNER_ZONE)
        if q.window.spans:  # "weekday evenings": the hours of each day
            a, b = (x.astimezone(tz) for x in q.window.spans[-1])
            parts.append(("time", f"{q.window.label} ({a:%H:%M}–{b:%H:%M} your time)"))
        else:
            a, b = q.window.start.astimezone(tz), q.window.end.astimezone(tz)
            parts.append(("time", f"{q.window.label} ({a:%a %H:%M}–{b:%a %H:%M} your time)"))
    if q.max_price_minor is not None:
        parts.append(
            ("price", "free only" if q.max_price_minor == 0 else f"≤ {money(q.max_price_minor)}")
        )
    if q.languages:
        names = []
        for c in q.languages:
            lang = language_by_code(c)
            names.append(lang.name if lang else c)
        parts.append(("lang", " or ".join(names)))
    return parts


def understood_text(q: MatchQuery, learner_tz: str | None) -> str:
    bits = [f"*{esc(label)}*" for _p, label in understood_parts(q, learner_tz)]
    if q.free_text:
        bits.append(f"“{esc(q.free_text)}”")
    head = "I understood: " + (" · ".join(bits) if bits else "anything")
    if q.corrected:
        head += f"\n_(read {esc(', '.join(q.corrected))})_"
    return head


def result_line(n: int, r: Recommendation, verified: str = "") -> str:
    badge = f" · verified · {esc(verified)}" if verified else ""
    return f"{n}. *{esc(r.name)}* — {esc(r.headline)}{badge}\n   {esc(r.reason)}"


# Each signal as a learner would say it, for "Why this mentor?".
SIGNAL_WORDS = {
    "skill": "Teaches the skill you asked for",
    "level": "Teaches at the level you need",
    "semantic": "Their profile is about what you described",
    "tfidf": "Their profile uses the words of your request",
    "cf": "Learners with requests like yours booked them",
    "reputation": "Well rated by past learners",
    "availability": "Free at the time you asked",
    "language": "Speaks your language",
    "price": "Within your budget",
    "new-mentor boost": "New here, so they get a fair chance to be seen",
}


def why_in_words(name: str, rows: list[tuple[str, float, float]]) -> str:
    """The strongest three reasons, in sentences (the numbers are one tap away)."""
    scored = sorted(
        (
            (value * weight if sig != "new-mentor boost" else value, sig)
            for sig, value, weight in rows
        ),
        reverse=True,
    )
    reasons = [SIGNAL_WORDS[sig] for c, sig in scored if c > 0 and sig in SIGNAL_WORDS][:3]
    if not reasons:
        return f"*Why {esc(name)}?* They're among the closest matches for what you asked."
    return f"*Why {esc(name)}?*\n" + "\n".join(f"- {r}" for r in reasons)


def breakdown_text(name: str, score: float, rows: list[tuple[str, float, float]]) -> str:
    lines = [f"*Why {esc(name)}?* Score {score:.3f} = sum of signal × weight:"]
    for sig, value, weight in rows:
        label = SIGNAL_LABELS.get(sig, sig)
        contribution = value * weight
        if weight == 0 and value == 0:
            continue
        if sig in ("new-mentor boost", "exposure cap"):
            if value:
                lines.append(f"- {label}: {value:+.3f}")
            continue
        lines.append(f"- {label}: {value:.2f} × {weight:.2f} = {contribution:+.3f}")
    return "\n".join(lines)
