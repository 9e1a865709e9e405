"""Onboarding, profile editing and the mentor application: one dialog, three modes.

Each answer is saved as soon as it is valid, so a /cancel or a restart keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.availability import format_windows
from core.dialogs import skillpick
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff
from core.dialogs.fields import (
    GOALS_SHORT,
    Price,
    TzChoice,
    is_skip,
    parse_bio,
    parse_extras,
    parse_goals,
    parse_headline,
    parse_language_list,
    parse_lengths,
    parse_name,
    parse_price,
    parse_windows,
    parse_years,
    price_of_minor,
    resolve_tz,
)
from core.forms import Invalid
from core.markup import esc, quote
from core.messaging import Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.skills import parse_level
from core.text import money
from core.timezones import describe_zone, zone
from core.views import profile_card


@dataclass(frozen=True)
class Ob(Payload, prefix="ob"):
    what: str
    value: str


MENTOR_STEPS = ("headline", "bio", "years", "price", "lengths", "extras")
EDITABLE = (
    "name",
    "learn_skills",
    "teach_skills",
    "goals",
    "languages",
    "timezone",
    "availability",
    *MENTOR_STEPS,
)
AVAIL_PRESETS = {
    "evenings": "Mon-Fri 18:00-21:00",
    "weekends": "Sat-Sun 10:00-13:00",
    "both": "Mon-Fri 18:00-21:00; Sat-Sun 10:00-13:00",
}


async def submit_application(ctx: Ctx) -> Reply:
    """Send the mentor profile to the admins (they are notified through the outbox)."""
    decision = await ctx.mentors.submit(ctx.user.id)
    if decision.ok:
        return Reply(
            "Thanks! Your mentor application is with the admins now. "
            "I'll message you here as soon as they decide."
        )
    return Reply(decision.message)


async def all_set(ctx: Ctx) -> Reply:
    view = await ctx.profiles.view(ctx.user.id)
    return Reply("All set 🎉 Here's your profile:\n\n" + profile_card(view, ctx.now, own=True))


APPLY_BLOCKED = {
    "pending": "Your mentor application is already waiting for an admin.",
    "approved": "You're already an approved mentor. Edit your profile with /profile.",
    "suspended": "Your mentor profile is suspended; an admin has to lift it.",
}


class Onboarding(Dialog):
    name = "onboarding"
    title = "setting up your profile"
    prefixes = ("ob", "sk")

    # ---- flow -------------------------------------------------------------
    def _sequence(self, ctx: Ctx) -> list[str]:
        mode = ctx.str_data("mode", "onboard")
        if mode == "edit":
            return [ctx.str_data("field")]
        learn = bool(ctx.data.get("learn"))
        mentor = bool(ctx.data.get("mentor"))
        if mode == "apply":
            seq = ["teach_skills", *MENTOR_STEPS]
            if not ctx.data.get("has_avail"):
                seq.insert(1, "availability")
            if not ctx.data.get("has_tz"):
                seq.insert(1, "timezone")
            return seq
        seq = ["role", "name"]
        if learn:
            seq.append("learn_skills")
        if mentor:
            seq.append("teach_skills")
        if learn:
            seq.append("goals")
        seq += ["languages", "timezone", "availability"]
        if mentor:
            seq += list(MENTOR_STEPS)
        return seq

    async def _advance(self, ctx: Ctx, done: str, *replies: Reply) -> Step:
        seq = self._sequence(ctx)
        nxt = seq[seq.index(done) + 1] if done in seq and seq.index(done) + 1 < len(seq) else None
        if nxt is None:
            return await self._finish(ctx, *replies)
        return goto(nxt, *replies, await self.prompt(ctx, nxt))

    async def _finish(self, ctx: Ctx, *replies: Reply) -> Step:
        mode = ctx.str_data("mode", "onboard")
        out = list(replies)
        if mode == "edit":
            out.append(Reply("Saved ✅"))
            return handoff("profile", "", *out)
        if mode == "onboard":
            await ctx.profiles.mark_onboarded(ctx.user.id)
        if ctx.data.get("mentor") or mode == "apply":
            out.append(await submit_application(ctx))
        out.append(await all_set(ctx))
        return handoff("menu", "quiet", *out)

    async def start(self, ctx: Ctx, args: str) -> Step:
        mode, _, field = args.partition(":")
        ctx.data.clear()
        if mode == "edit":
            if field not in EDITABLE:
                return end(Reply("I can't edit that field."))
            ctx.data.update({"mode": "edit", "field": field})
            if field in ("learn_skills", "teach_skills"):
                kind = "learn" if field == "learn_skills" else "teach"
                current = await ctx.profiles.skills_of(ctx.user.id, kind)
                ctx.data["current"] = ", ".join(f"{s.name}: {s.level}" for s in current)
            return goto(field, await self.prompt(ctx, field))
        if mode == "apply":
            mp = await ctx.mentors.existing(ctx.user.id)
            if mp is not None and mp.status in APPLY_BLOCKED:
                return end(Reply(APPLY_BLOCKED[mp.status]))
            view = await ctx.profiles.view(ctx.user.id)
            if not view.onboarded:
                return await self.start(ctx, "onboard:mentor")
            ctx.data.update(
                {
                    "mode": "apply",
                    "learn": view.wants_to_learn,
                    "mentor": True,
                    "has_tz": bool(view.timezone),
                    "has_avail": bool(view.availability),
                }
            )
            await ctx.profiles.set_role(ctx.user.id, learn=view.wants_to_learn, mentor=True)
            await ctx.mentors.profile(ctx.user.id)
            first = "teach_skills"
            return goto(
                first,
                Reply("Great — let's set up your mentor profile. It takes about two minutes."),
                await self.prompt(ctx, first),
            )
        ctx.data["mode"] = "onboard"
        greeting = Reply(
            f"Hi {esc(ctx.user.display_name)}! 👋 I'm *MentorBot*. I connect you with a peer "
            "who knows the skill, for a short session (10 minutes by default).\n"
            "Let's set up your profile — /cancel stops at any time, and what you've "
            "answered is kept."
        )
        if field == "mentor":
            ctx.data.update({"learn": False, "mentor": True})
            await ctx.profiles.set_role(ctx.user.id, learn=False, mentor=True)
            return goto("name", greeting, await self.prompt(ctx, "name"))
        return goto("role", greeting, await self.prompt(ctx, "role"))

    # ---- prompts ----------------------------------------------------------
    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "role":
            return Reply(
                "What would you like to do?",
                buttons=(
                    (
                        Button("📚 Learn", Ob("role", "learn").pack()),
                        Button("🎓 Mentor", Ob("role", "mentor").pack()),
                        Button("Both", Ob("role", "both").pack()),
                    ),
                ),
            )
        if state == "name":
            current = ctx.user.display_name
            return Reply(
                "What should people call you? Type a name"
                + (f", or keep “{esc(current)}”." if current else "."),
                buttons=((Button(f"Keep “{current[:24]}”", Ob("name", "keep").pack()),),)
                if current
                else (),
            )
        if state in ("learn_skills", "teach_skills"):
            kind = "learn" if state == "learn_skills" else "teach"
            q = (
                "Which skills do you want to learn?"
                if kind == "learn"
                else "Which skills can you teach?"
            )
            current = ctx.str_data("current")
            extra = f"\nNow: {esc(current)}. Your answer replaces the list." if current else ""
            return Reply(
                f"{q} Separate them with commas and add a level if you like, e.g. "
                f"`Python: advanced, DSA, React (beginner)`.{extra}"
            )
        if state == "skill_pick":
            return skillpick.pick_prompt(ctx)
        if state == "skill_level":
            return skillpick.level_prompt(ctx, ctx.str_data("sk_kind", "learn"))
        if state == "goals":
            return Reply(
                "In a sentence or two: what do you want to achieve? "
                "(e.g. “crack a product-company interview by March”)",
                buttons=((Button("Skip for now", Ob("skip", "goals").pack()),),),
            )
        if state == "languages":
            return Reply(
                "Which languages can you talk in? (e.g. “English, Hindi”)",
                buttons=(
                    (
                        Button("English", Ob("lang", "en").pack()),
                        Button("English + Hindi", Ob("lang", "en,hi").pack()),
                    ),
                ),
            )
        if state == "timezone":
            return Reply(
                "Which city are you in? I use it for your time zone "
                "(you can also type a UTC offset like `UTC+5:30`).",
                buttons=((Button("India (IST)", Ob("tz", "Asia/Kolkata").pack()),),),
            )
        if state == "tz_pick":
            raw = ctx.data.get("tz_options")
            opts = [o for o in raw if isinstance(o, str)] if isinstance(raw, list) else []
            return Reply(
                f"Did you mean one of these for {quote(ctx.str_data('tz_typed'))}? "
                "Or type another city.",
                buttons=tuple((Button(o, Ob("tzi", str(i)).pack()),) for i, o in enumerate(opts)),
            )
        if state == "availability":
            tz = ctx.user.timezone or "UTC"
            skip = (
                (Button("Skip for now", Ob("skip", "availability").pack()),)
                if not ctx.data.get("mentor")
                else ()
            )
            return Reply(
                "When are you usually free for a short session? Times are in your zone "
                f"({esc(tz)}). Pick one or type e.g. `Mon-Fri 18:00-21:00; Sat 10-13`.",
                buttons=(
                    (
                        Button("Weekday evenings", Ob("av", "evenings").pack()),
                        Button("Weekends", Ob("av", "weekends").pack()),
                        Button("Both", Ob("av", "both").pack()),
                    ),
                    (Button("Change time zone", Ob("tzfix", "1").pack()), *skip),
                ),
            )
        if state == "headline":
            return Reply(
                "Your mentor headline — one line learners see first, e.g. "
                "“SDE-2 at Flipkart · DSA and system design”."
            )
        if state == "bio":
            return Reply("A short bio: what you've done and how you help (20–1500 characters).")
        if state == "years":
            return Reply("How many years of experience do you have in what you teach? (a number)")
        if state == "price":
            suggested = money(ctx.deps.policies.default_price_minor, ctx.deps.policies.currency)
            return Reply(
                f"What do you charge per session? Type an amount in rupees (suggested {suggested}), "
                "or choose free, or skill-exchange credits (1 credit per session).",
                buttons=(
                    (
                        Button(
                            suggested,
                            Ob("price", str(ctx.deps.policies.default_price_minor)).pack(),
                        ),
                        Button("Free", Ob("price", "free").pack()),
                        Button("Credits", Ob("price", "credits").pack()),
                    ),
                ),
            )
        if state == "lengths":
            return Reply(
                "Which session lengths do you offer? (minutes)",
                buttons=(
                    (
                        Button("10", Ob("len", "10").pack()),
                        Button("10, 20", Ob("len", "10,20").pack()),
                        Button("10, 20, 30", Ob("len", "10,20,30").pack()),
                    ),
                ),
            )
        if state == "extras":
            return Reply(
                "Optional: any certifications, and a link to a short intro video. "
                "Send them in one message, or skip.",
                buttons=((Button("Skip", Ob("skip", "extras").pack()),),),
            )
        return Reply("Let's continue.")

    # ---- steps ------------------------------------------------------------
    async def on_role(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        choice = p.value if p is not None and p.what == "role" else None
        text = (ctx.text_of(inbound) or "").casefold()
        if choice is None and text:
            table = {
                "learn": "learn",
                "learner": "learn",
                "1": "learn",
                "student": "learn",
                "mentor": "mentor",
                "teach": "mentor",
                "2": "mentor",
                "both": "both",
                "3": "both",
            }
            choice = table.get(text)
        if choice not in ("learn", "mentor", "both"):
            return await self.retry(ctx, "role", "Please choose Learn, Mentor or Both.")
        learn, mentor = choice in ("learn", "both"), choice in ("mentor", "both")
        ctx.data.update({"learn": learn, "mentor": mentor})
        await ctx.profiles.set_role(ctx.user.id, learn=learn, mentor=mentor)
        if mentor:
            await ctx.mentors.profile(ctx.user.id)
        return await self._advance(ctx, "role")

    async def on_name(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "name":
            return await self._advance(ctx, "name")
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "name", "Please type a name.")
        clean = parse_name(text)
        if isinstance(clean, Invalid):
            return await self.retry(ctx, "name", clean.message)
        await ctx.profiles.set_display_name(ctx.user.id, clean)
        ctx.user.display_name = clean
        return await self._advance(ctx, "name", Reply(f"Nice to meet you, {esc(clean)}!"))

    async def _skills_in(self, ctx: Ctx, inbound: Inbound, kind: str) -> Step:
        state = f"{kind}_skills"
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, state, "Please type the skills as text.")
        errors = skillpick.begin(ctx, text)
        ctx.data["sk_kind"] = kind
        if errors and not ctx.data.get("sk_ok") and not skillpick.has_pending(ctx):
            return await self.retry(ctx, state, " ".join(errors))
        pre = [Reply(" ".join(errors))] if errors else []
        # Show typo corrections at once, so a wrong guess is fixed before levels are asked.
        corrections = skillpick.notes(ctx)
        if corrections:
            pre.append(Reply("I read: " + "; ".join(corrections) + "."))
            ctx.data["sk_notes"] = []
        return await self._skills_next(ctx, *pre)

    async def _skills_next(self, ctx: Ctx, *pre: Reply) -> Step:
        kind = ctx.str_data("sk_kind", "learn")
        if skillpick.has_pending(ctx):
            return goto("skill_pick", *pre, skillpick.pick_prompt(ctx))
        if not skillpick.resolved(ctx):
            state = f"{kind}_skills"
            return goto(
                state, *pre, Reply("No skills left in the list."), await self.prompt(ctx, state)
            )
        if skillpick.missing_levels(ctx):
            return goto("skill_level", *pre, skillpick.level_prompt(ctx, kind))
        pairs = skillpick.resolved(ctx)
        await ctx.profiles.set_skills(
            ctx.user.id,
            kind,
            [(i, lv) for i, _n, lv in pairs],  # type: ignore[misc]
        )
        notes = skillpick.notes(ctx)
        summary = ", ".join(f"{esc(n)} ({lv})" for _i, n, lv in pairs)
        msg = f"Got it: {summary}."
        if notes:
            msg += "\n" + "\n".join(f"- {n}" for n in notes)
        for k in ("sk_ok", "sk_pending", "sk_notes", "sk_kind", "current"):
            ctx.data.pop(k, None)
        return await self._advance(ctx, f"{kind}_skills", *pre, Reply(msg))

    async def on_learn_skills(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._skills_in(ctx, inbound, "learn")

    async def on_teach_skills(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._skills_in(ctx, inbound, "teach")

    async def on_skill_pick(self, ctx: Ctx, inbound: Inbound) -> Step:
        raw = ctx.action_of(inbound)
        payload = skillpick.Pick.parse(raw) if raw else None
        if raw and payload is None:
            return await self.retry(
                ctx, "skill_pick", "Please use the buttons below, or type the skill again."
            )
        hint = await skillpick.pick_answer(ctx, payload, ctx.text_of(inbound))
        if hint:
            return await self.retry(ctx, "skill_pick", hint)
        return await self._skills_next(ctx)

    async def on_skill_level(self, ctx: Ctx, inbound: Inbound) -> Step:
        payload = skillpick.Pick.parse(ctx.action_of(inbound) or "")
        # Read like a typed level: a made-up one would reach the user_skills CHECK constraint.
        level = (
            parse_level(payload.value) if payload is not None and payload.what == "lvl" else None
        )
        if level is None:
            level = parse_level(ctx.text_of(inbound) or "")
        if level is None:
            return await self.retry(
                ctx, "skill_level", "Please choose Beginner, Intermediate or Advanced."
            )
        skillpick.level_answer(ctx, level)
        return await self._skills_next(ctx)

    async def on_goals(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = ctx.text_of(inbound)
        if (p is not None and p.what == "skip") or is_skip(text):
            return await self._advance(ctx, "goals")
        goals = parse_goals(text or "")
        if isinstance(goals, Invalid):
            short = goals.message.startswith(GOALS_SHORT)
            hint = f"{GOALS_SHORT}, or tap Skip." if short else goals.message
            return await self.retry(ctx, "goals", hint)
        await ctx.profiles.set_goals(ctx.user.id, goals)
        return await self._advance(ctx, "goals")

    async def on_languages(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = (
            p.value.replace(",", ", ")
            if p is not None and p.what == "lang"
            else ctx.text_of(inbound)
        )
        if not text:
            return await self.retry(ctx, "languages", "Please type the languages you speak.")
        found = parse_language_list(text)
        if isinstance(found, Invalid):
            return await self.retry(
                ctx, "languages", found.message + " Please type the list again."
            )
        await ctx.profiles.set_languages(ctx.user.id, [lang.code for lang in found])
        names = ", ".join(lang.name for lang in found)
        return await self._advance(ctx, "languages", Reply(f"Languages: {esc(names)}."))

    async def _set_tz(self, ctx: Ctx, name: str) -> Step:
        await ctx.profiles.set_timezone(ctx.user.id, name)
        ctx.user.timezone = name
        local = ctx.now.astimezone(zone(name))
        ctx.data["has_tz"] = True
        return await self._advance(
            ctx,
            "timezone",
            Reply(
                f"Time zone set to {esc(describe_zone(name, ctx.now))} — it's "
                f"{local:%a %H:%M} there now. Wrong? Tap “Change time zone” below."
            ),
        )

    async def on_timezone(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = p.value if p is not None and p.what == "tz" else ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "timezone", "Please type a city or a UTC offset.")
        res = resolve_tz(text)
        if isinstance(res, str):
            return await self._set_tz(ctx, res)
        if isinstance(res, TzChoice):
            ctx.data["tz_options"] = list(res.options)
            ctx.data["tz_typed"] = text
            return goto("tz_pick", await self.prompt(ctx, "tz_pick"))
        return await self.retry(ctx, "timezone", res.message)

    async def on_tz_pick(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        raw = ctx.data.get("tz_options")
        opts = [o for o in raw if isinstance(o, str)] if isinstance(raw, list) else []
        pick = as_int(p.value) if p is not None and p.what == "tzi" else None
        if pick is not None and pick < len(opts):
            return await self._set_tz(ctx, opts[pick])
        if ctx.text_of(inbound):
            return await self.on_timezone(ctx, inbound)
        return await self.retry(ctx, "tz_pick", "Please pick one of the options or type a city.")

    async def on_availability(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "tzfix":
            return goto("timezone", await self.prompt(ctx, "timezone"))
        text = ctx.text_of(inbound)
        if (p is not None and p.what == "skip") or is_skip(text):
            if ctx.data.get("mentor"):
                return await self.retry(
                    ctx, "availability", "Mentors need at least one time slot so learners can book."
                )
            return await self._advance(ctx, "availability")
        if p is not None and p.what == "av":
            text = AVAIL_PRESETS.get(p.value)
        if not text:
            return await self.retry(
                ctx, "availability", "Please pick an option or type your hours."
            )
        windows = parse_windows(text)
        if isinstance(windows, Invalid):
            return await self.retry(ctx, "availability", windows.message)
        await ctx.profiles.set_availability(ctx.user.id, windows)
        ctx.data["has_avail"] = True
        return await self._advance(
            ctx, "availability", Reply(f"Availability: {format_windows(windows)}.")
        )

    async def on_headline(self, ctx: Ctx, inbound: Inbound) -> Step:
        headline = parse_headline(ctx.text_of(inbound) or "")
        if isinstance(headline, Invalid):
            return await self.retry(ctx, "headline", headline.message)
        (await ctx.mentors.profile(ctx.user.id)).headline = headline
        return await self._advance(ctx, "headline")

    async def on_bio(self, ctx: Ctx, inbound: Inbound) -> Step:
        bio = parse_bio(ctx.text_of(inbound) or "")
        if isinstance(bio, Invalid):
            return await self.retry(ctx, "bio", bio.message)
        (await ctx.mentors.profile(ctx.user.id)).bio = bio
        return await self._advance(ctx, "bio")

    async def on_years(self, ctx: Ctx, inbound: Inbound) -> Step:
        years = parse_years(ctx.text_of(inbound) or "")
        if isinstance(years, Invalid):
            return await self.retry(ctx, "years", years.message)
        (await ctx.mentors.profile(ctx.user.id)).years_experience = years
        return await self._advance(ctx, "years")

    async def on_price(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        mp = await ctx.mentors.profile(ctx.user.id)
        value = p.value if p is not None and p.what == "price" else None
        price: Price | Invalid
        minor = as_int(value) if value is not None else None
        if minor is not None:
            price = price_of_minor(minor)
        else:
            price = parse_price(value or ctx.text_of(inbound) or "")
        if isinstance(price, Invalid):
            return await self.retry(ctx, "price", price.message)
        mp.price_mode, mp.price_minor = price.mode, price.minor
        if price.mode == "paid":
            mp.currency = ctx.deps.policies.currency
        return await self._advance(ctx, "price", Reply(f"Price: {price.label()}."))

    async def on_lengths(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = p.value if p is not None and p.what == "len" else (ctx.text_of(inbound) or "")
        lengths = parse_lengths(text, ctx.deps.policies.session_lengths)
        if isinstance(lengths, Invalid):
            return await self.retry(ctx, "lengths", lengths.message)
        (await ctx.mentors.profile(ctx.user.id)).session_lengths = list(lengths)
        return await self._advance(ctx, "lengths")

    async def on_extras(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = ctx.text_of(inbound)
        if (p is not None and p.what == "skip") or is_skip(text):
            return await self._advance(ctx, "extras")
        if not text:
            return await self.retry(ctx, "extras", "Send text, or tap Skip.")
        extras = parse_extras(text)
        if isinstance(extras, Invalid):
            return await self.retry(ctx, "extras", extras.message)
        mp = await ctx.mentors.profile(ctx.user.id)
        if extras.video_url:
            mp.intro_video_url = extras.video_url
        if extras.certifications:
            mp.certifications = extras.certifications
        return await self._advance(ctx, "extras")
