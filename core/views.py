"""How profiles, mentors and prices read in a chat."""

from __future__ import annotations

from datetime import datetime

from core.availability import format_windows
from core.currency import money
from core.languages import language_by_code
from core.markup import esc
from core.messaging import Button, Reply
from core.services.buttons import Cm
from core.services.communities import CommunityView
from core.services.profiles import ProfileView, ReviewView
from core.services.search import MentorHit
from core.timezones import describe_zone


def price_label(mode: str, minor: int, currency: str) -> str:
    if mode == "free" or (mode == "paid" and minor == 0):
        return "Free"
    if mode == "credits":
        return "1 credit"
    return money(minor, currency)


def stars(avg: float | None, count: int) -> str:
    if avg is None or count == 0:
        return "new mentor"
    return f"{avg:.1f}★ ({count} review{'s' if count != 1 else ''})"


def language_names(codes: tuple[str, ...] | list[str]) -> str:
    names = []
    for code in codes:
        lang = language_by_code(code)
        names.append(lang.name if lang else code)
    return ", ".join(names) or "—"


def verified_label(domain: str) -> str:
    """How a verified email shows (issue 18): "verified · iitb.ac.in"."""
    return f"verified · {domain}" if domain else ""


def hit_line(n: int, hit: MentorHit, verified: str = "") -> str:
    level = f" · {hit.level}" if hit.level else ""
    years = f" · {hit.years_experience} yr" if hit.years_experience else ""
    badge = f" · {esc(verified_label(verified))}" if verified else ""
    return (
        f"{n}. *{esc(hit.name)}* — {esc(hit.headline)}\n"
        f"   {stars(hit.rating_avg, hit.rating_count)} · "
        f"{price_label(hit.price_mode, hit.price_minor, hit.currency)}{years}{level}{badge}"
    )


def skills_text(items: tuple[object, ...]) -> str:
    parts = []
    for it in items:
        name = getattr(it, "name", "")
        level = getattr(it, "level", "")
        parts.append(f"{esc(name)} ({level})")
    return ", ".join(parts) or "—"


def profile_card(p: ProfileView, now: datetime, *, own: bool, base_url: str = "") -> str:
    lines = [f"*{esc(p.display_name)}* · {p.role_label}"]
    if p.verified_domain:
        lines.append(f"✔ {esc(verified_label(p.verified_domain))}")
    if p.badges:
        lines.append(esc(" · ".join(p.badges)))
    if p.mentor is not None and p.mentor.headline:
        lines.append(f"_{esc(p.mentor.headline)}_")
    if p.teaches:
        lines.append(f"Teaches: {skills_text(p.teaches)}")
    if p.learns and (own or not p.wants_to_mentor):
        lines.append(f"Learning: {skills_text(p.learns)}")
    if p.goals and own:
        lines.append(f"Goals: {esc(p.goals)}")
    lines.append(f"Languages: {language_names(p.languages)}")
    if p.timezone:
        lines.append(f"Time zone: {esc(describe_zone(p.timezone, now))}")
    if p.availability:
        whose = "your" if own else "their"
        lines.append(f"Available ({whose} time): {format_windows(p.availability)}")
    m = p.mentor
    if m is not None and (m.status != "draft" or own):
        lines.append("")
        if m.bio:
            lines.append(esc(m.bio))
        lines.append(
            f"Experience: {m.years_experience} yr · Price: "
            f"{price_label(m.price_mode, m.price_minor, m.currency)} per session · "
            f"Lengths: {', '.join(f'{x} min' for x in m.session_lengths)}"
        )
        lines.append(f"Rating: {stars(m.rating_avg, m.rating_count)}")
        if m.certifications:
            lines.append(f"Certifications: {esc(m.certifications)}")
        if m.intro_video_url:
            lines.append(f"[Intro video]({m.intro_video_url})")
        if p.posts:
            base = base_url.rstrip("/")
            links = ", ".join(f"[{esc(t)}]({base}/posts/{i})" for i, t in p.posts)
            lines.append(f"Posts: {links}")
        if own:
            status = {
                "draft": "not submitted yet — /mentor to apply",
                "pending": "waiting for admin approval",
                "approved": "approved ✅",
                "rejected": f"not approved: {esc(m.status_reason) or 'no reason given'} — /mentor to re-apply",
                "suspended": f"suspended: {esc(m.status_reason) or 'no reason given'}",
            }[m.status]
            lines.append(f"Mentor status: {status}")
    return "\n".join(lines)


def reviews_text(reviews: tuple[ReviewView, ...]) -> str:
    if not reviews:
        return "No reviews yet."
    return "\n".join(
        f"- {'★' * r.stars}{'☆' * (5 - r.stars)} {esc(r.text)} — _{esc(r.author)}_" for r in reviews
    )


def community_line(c: CommunityView) -> str:
    skills = f" · {esc(', '.join(c.skills))}" if c.skills else ""
    role = f" · you're {c.role}" if c.role and c.role != "member" else ""
    return f"*{esc(c.name)}* ({c.members} member{'s' if c.members != 1 else ''}){skills}{role}"


def community_suggestions(found: list[CommunityView]) -> Reply | None:
    """ "Communities for you", with a Join button each (after onboarding, after a session)."""
    if not found:
        return None
    return Reply(
        "Communities for you:\n" + "\n".join(f"- {community_line(c)}" for c in found),
        buttons=tuple((Button(f"Join {c.name[:40]}", Cm("join", c.id).pack()),) for c in found),
    )
