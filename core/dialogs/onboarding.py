"""Onboarding, profile editing and the mentor application: one dialog, three modes.

Each answer is saved as soon as it is valid, so a /cancel or a restart keeps it.
"""

from __future__ import annotations

from core.avatars import Refused, process
from core.dialogs import skillpick
from core.dialogs.answers import ANSWERS
from core.dialogs.community import suggestions
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff
from core.dialogs.fields import (
    GOALS_SHORT,
    UNDER_13,
    UNDER_13_REFUSED,
    TzChoice,
    is_skip,
    parse_age_band,
    resolve_tz,
)
from core.dialogs.guess import search_or_guess, taught, unsure
from core.dialogs.questions import QUESTIONS, Ob, Question, env_of
from core.forms import Invalid
from core.markup import esc, quote
from core.messaging import (
    PLATFORM_PHOTO,
    PLATFORMS_WITH_PHOTOS,
    Button,
    FileIn,
    Inbound,
    Reply,
    TextIn,
)
from core.numbers import as_int
from core.services.trust import MENTOR_ADULTS_ONLY
from core.skills import parse_level
from core.timezones import describe_zone, zone
from core.understand.intents import read_intent
from core.views import profile_card

MENTOR_STEPS = ("headline", "bio", "years", "price", "lengths", "extras")
EDITABLE = (
    "name",
    "learn_skills",
    "teach_skills",
    "goals",
    "languages",
    "timezone",
    "availability",
    "age",
    "photo",
    *MENTOR_STEPS,
)
PHOTO_ASK = (
    "Optional: send a photo for your profile — learners see it next to your name. "
    "A JPEG, PNG or WebP picture, up to {mb} MB. Or skip."
)


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
    return Reply(
        "All set 🎉 Here's your profile:\n\n"
        + profile_card(view, ctx.now, own=True)
        + f"\n\n_Using MentorBot means you accept its terms (version "
        f"{esc(ctx.deps.policies.terms_version)}). What is stored about you: /privacy_"
    )


ROLE_HINT = (
    "Please choose Learn, Mentor or Both. Or just tell me what you want to learn, "
    "e.g. “python interviews this weekend”."
)
APPLY_BLOCKED = {
    "pending": "Your mentor application is already waiting for an admin.",
    "approved": "You're already an approved mentor. Edit your profile with /profile.",
    "suspended": "Your mentor profile is suspended; an admin has to lift it.",
}


class Onboarding(Dialog):
    name = "onboarding"
    title = "setting up your profile"
    prefixes = ("ob", "sk")
    word_answers = frozenset({"name"})
    reads_find = frozenset({"role"})
    file_states = frozenset({"photo"})

    async def back(self, ctx: Ctx, state: str) -> Step:
        base = {
            "skill_pick": ctx.str_data("sk_kind", "learn") + "_skills",
            "skill_level": ctx.str_data("sk_kind", "learn") + "_skills",
            "tz_pick": "timezone",
        }.get(state, state)
        seq = self._sequence(ctx)
        at = seq.index(base) if base in seq else 0
        if base != state or at == 0:
            target = base if base != state else state
            note = "Back to that question." if base != state else "This is the first question."
            return goto(target, Reply(note), await self.prompt(ctx, target))
        previous = seq[at - 1]
        return goto(
            previous,
            Reply("Back one question — your answer there can change."),
            await self.prompt(ctx, previous),
        )

    # ---- flow -------------------------------------------------------------
    def _sequence(self, ctx: Ctx) -> list[str]:
        mode = ctx.str_data("mode", "onboard")
        if mode == "edit":
            return [ctx.str_data("field")]
        if mode == "book":  # the least a booking needs: who you are, your hours' zone
            skills = [] if ctx.data.get("has_learn") else ["learn_skills"]
            return ["name", *self._age(ctx), *skills, "timezone"]
        if mode == "age":  # asked once at a paid booking of someone who joined before
            return ["age"]
        learn = bool(ctx.data.get("learn"))
        mentor = bool(ctx.data.get("mentor"))
        if mode == "apply":
            seq = ["teach_skills", *MENTOR_STEPS, *self._photo(ctx)]
            if not ctx.data.get("has_avail"):
                seq.insert(1, "availability")
            if not ctx.data.get("has_tz"):
                seq.insert(1, "timezone")
            if not ctx.data.get("has_age"):
                seq[0:0] = self._age(ctx)
            return seq
        seq = ["role", "name", *self._age(ctx)]
        if learn:
            seq.append("learn_skills")
        if mentor:
            seq.append("teach_skills")
        if learn:
            seq.append("goals")
        seq += ["languages", "timezone", "availability"]
        if mentor:
            seq += [*MENTOR_STEPS, *self._photo(ctx)]
        return seq

    @staticmethod
    def _age(ctx: Ctx) -> list[str]:
        return ["age"] if ctx.deps.policies.ask_age_band else []

    @staticmethod
    def _photo(ctx: Ctx) -> list[str]:
        return ["photo"] if ctx.deps.policies.ask_photo else []

    async def _advance(self, ctx: Ctx, done: str, *replies: Reply) -> Step:
        seq = self._sequence(ctx)
        nxt = seq[seq.index(done) + 1] if done in seq and seq.index(done) + 1 < len(seq) else None
        if nxt is None:
            return await self._finish(ctx, *replies)
        return await self._ask_next(ctx, nxt, *replies)

    async def _ask_next(self, ctx: Ctx, nxt: str, *replies: Reply) -> Step:
        prefill = ctx.data.pop("prefill_teach", None) if nxt == "teach_skills" else None
        if isinstance(prefill, str) and prefill:
            # "I can teach React": the skills were said already; read them as the answer.
            kind = "teach"
            step = await self._skills_in(ctx, TextIn(prefill), kind, before=replies)
            if step.state is not None and step.state != "teach_skills":
                return step
        return goto(nxt, *replies, await self.prompt(ctx, nxt))

    async def _finish(self, ctx: Ctx, *replies: Reply) -> Step:
        mode = ctx.str_data("mode", "onboard")
        out = list(replies)
        if mode == "edit":
            out.append(Reply("Saved ✅"))
            return handoff("profile", "", *out)
        if mode == "age":
            return handoff("book", str(ctx.int_data("mentor")), *out)
        if mode == "book":
            await ctx.profiles.set_role(ctx.user.id, learn=True, mentor=ctx.user.wants_to_mentor)
            await ctx.profiles.mark_onboarded(ctx.user.id)
            await ctx.u.privacy.record_consent(
                ctx.user.id, "terms", ctx.deps.policies.terms_version, given=True
            )
            out.append(Reply("Thanks — that's all I need for now. Let's pick a time."))
            return handoff("book", str(ctx.int_data("mentor")), *out)
        if mode == "onboard":
            await ctx.profiles.mark_onboarded(ctx.user.id)
            await ctx.u.privacy.record_consent(
                ctx.user.id, "terms", ctx.deps.policies.terms_version, given=True
            )
        if ctx.data.get("mentor") or mode == "apply":
            out.append(await submit_application(ctx))
        out.append(await all_set(ctx))
        view = await ctx.profiles.view(ctx.user.id)
        ids = [s.skill_id for s in (*view.learns, *view.teaches)]
        suggested = await suggestions(ctx, ids)
        if suggested is not None:
            out.append(suggested)
        return handoff("menu", "quiet", *out)

    def at_start(self, ctx: Ctx, state: str) -> bool:
        return state == "role" and ctx.str_data("mode", "onboard") == "onboard"

    def restart_args(self, ctx: Ctx) -> str:
        mode = ctx.str_data("mode", "onboard")
        if mode == "edit":
            return f"edit:{ctx.str_data('field')}"
        if mode in ("book", "age"):
            return f"{mode}:{ctx.int_data('mentor')}"
        return "apply" if mode == "apply" else ""

    async def start(self, ctx: Ctx, args: str) -> Step:
        """args: "mode:field:prefill" — onboard (default), apply, edit:<field>, book:<mentor>,
        quiet (after an answer, no welcome speech); prefill: skills someone said they teach."""
        mode, _, rest = args.partition(":")
        field, _, prefill = rest.partition(":")
        ctx.data.clear()
        if prefill:
            ctx.data["prefill_teach"] = prefill[:500]
        if mode == "book":
            mentor = as_int(field)
            if mentor is None:
                return end(Reply("Which mentor? Open a profile from /find and tap “Book”."))
            learns = await ctx.profiles.skills_of(ctx.user.id, "learn")
            ctx.data.update({"mode": "book", "mentor": mentor, "has_learn": bool(learns)})
            return goto(
                "name",
                Reply("Before you book: a few quick questions, so the mentor knows who's coming."),
                await self.prompt(ctx, "name"),
            )
        if mode == "age":
            mentor = as_int(field)
            if mentor is None:
                return end(Reply("Which mentor? Open a profile from /find and tap “Book”."))
            ctx.data.update({"mode": "age", "mentor": mentor})
            return goto(
                "age",
                Reply("Before a paid booking: one question I now ask everyone."),
                await self.prompt(ctx, "age"),
            )
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
            band = await ctx.trust.age_band(ctx.user.id)
            if band == "under18":
                return end(Reply(MENTOR_ADULTS_ONLY))
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
                    "has_age": band is not None,
                }
            )
            await ctx.profiles.set_role(ctx.user.id, learn=view.wants_to_learn, mentor=True)
            await ctx.mentors.profile(ctx.user.id)
            return await self._ask_next(
                ctx,
                self._sequence(ctx)[0],
                Reply("Great — let's set up your mentor profile. It takes about two minutes."),
            )
        ctx.data["mode"] = "onboard"
        if mode == "quiet":
            return goto("role", await self.prompt(ctx, "role"))
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
        if state == "skill_pick":
            return skillpick.pick_prompt(ctx)
        if state == "skill_level":
            return skillpick.level_prompt(ctx, ctx.str_data("sk_kind", "learn"))
        if state == "tz_pick":
            raw = ctx.data.get("tz_options")
            opts = [o for o in raw if isinstance(o, str)] if isinstance(raw, list) else []
            raw_labels = ctx.data.get("tz_labels")
            labels = (
                [x for x in raw_labels if isinstance(x, str)]
                if isinstance(raw_labels, list)
                else []
            )
            shown = labels if len(labels) == len(opts) else opts
            return Reply(
                f"Did you mean one of these for {quote(ctx.str_data('tz_typed'))}? "
                "Or type another city.",
                buttons=tuple((Button(o, Ob("tzi", str(i)).pack()),) for i, o in enumerate(shown)),
            )
        if state == "photo":
            has = await ctx.trust.avatar(ctx.user.id)
            row = [Button("Skip", Ob("skip", "photo").pack())]
            if has:
                row.insert(0, Button("Remove my photo", Ob("photo", "remove").pack()))
            platform = ctx.account.platform
            if platform in PLATFORMS_WITH_PHOTOS:
                label = f"Use my {platform.capitalize()} photo"
                row.insert(0, Button(label, PLATFORM_PHOTO))
            mb = ctx.deps.policies.avatar_max_bytes // (1024 * 1024)
            return Reply(PHOTO_ASK.format(mb=mb), buttons=(tuple(row),))
        q = QUESTIONS.get(state)
        if q is None:
            return Reply("Let's continue.")
        return self._ask(ctx, q)

    def _ask(self, ctx: Ctx, q: Question) -> Reply:
        """A question as a step: its wording, quick answers as buttons, its skip button."""
        quick = tuple(Button(a.label, Ob(q.quick_code, a.value).pack()) for a in q.quick(ctx))
        rows: list[tuple[Button, ...]] = [quick] if quick else []
        extra: tuple[Button, ...] = ()
        if q.key == "availability":
            extra = (Button("Change time zone", Ob("tzfix", "1").pack()),)
        # A mentor must offer some hours, so learners can book them.
        skippable = q.skip and not (q.key == "availability" and ctx.data.get("mentor"))
        if skippable:
            extra = (*extra, Button(q.skip, Ob("skip", q.key).pack()))
        if extra:
            rows.append(extra)
        asks = q.asks() if q.kind != "multi_select" else None
        return Reply(q.ask(ctx), buttons=tuple(rows), asks=asks)

    async def _answer(self, ctx: Ctx, q: Question, inbound: Inbound) -> Step:
        """A typed answer or quick answer to a question: parsed by the question, saved, on."""
        p = Ob.parse(ctx.action_of(inbound) or "")
        typed = ctx.text_of(inbound)
        if q.skip and ((p is not None and p.what == "skip") or is_skip(typed)):
            return await self._advance(ctx, q.key)
        text = q.read_quick(p.value) if p is not None and p.what == q.quick_code else typed
        if not text:
            return await self.retry(ctx, q.key, q.empty)
        value = q.parse(env_of(ctx), text)
        if isinstance(value, Invalid):
            return await self.retry(ctx, q.key, self._hint(q, value.message))
        said = await q.save(ctx, value)
        return await self._advance(ctx, q.key, *([Reply(said)] if said else []))

    @staticmethod
    def _hint(q: Question, message: str) -> str:
        if q.key == "goals" and message.startswith(GOALS_SHORT):
            return f"{GOALS_SHORT}, or tap Skip."
        if q.key == "languages":
            return message + " Please type the list again."
        return message

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
        if choice is None and text:
            return await self._role_in_words(ctx, ctx.text_of(inbound) or "")
        if choice not in ("learn", "mentor", "both"):
            return await self.retry(ctx, "role", ROLE_HINT)
        learn, mentor = choice in ("learn", "both"), choice in ("mentor", "both")
        ctx.data.update({"learn": learn, "mentor": mentor})
        await ctx.profiles.set_role(ctx.user.id, learn=learn, mentor=mentor)
        if mentor:
            await ctx.mentors.profile(ctx.user.id)
        return await self._advance(ctx, "role")

    async def _role_in_words(self, ctx: Ctx, text: str) -> Step:
        """The first thing a newcomer types, read for what they want."""
        index = ctx.deps.catalog.index
        reading = read_intent(text, index.names_in)
        if reading.intent == "find" or (
            reading.intent == "unknown" and index.exact(text.strip()) is not None
        ):
            # Matches first; a profile only when they book (BookSession asks for it).
            return handoff(*search_or_guess(ctx, reading, text))
        asked = unsure(reading, text)
        if asked is not None:  # shown back and confirmed before it is acted on
            return handoff(*asked)
        if reading.intent == "teach":
            ctx.data.update({"learn": False, "mentor": True, "prefill_teach": taught(reading)})
            await ctx.profiles.set_role(ctx.user.id, learn=False, mentor=True)
            await ctx.mentors.profile(ctx.user.id)
            return await self._advance(
                ctx, "role", Reply("Great — let's get you set up as a mentor.")
            )
        answer = ANSWERS.get(reading.intent)
        if answer is not None:
            return goto("role", Reply(answer(ctx.deps.policies)), await self.prompt(ctx, "role"))
        if reading.intent in ("greet", "thanks"):
            return goto("role", Reply("Hi! 👋"), await self.prompt(ctx, "role"))
        return await self.retry(ctx, "role", ROLE_HINT)

    async def on_name(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "name":  # "Keep" the name the platform gave us
            return await self._advance(ctx, "name")
        return await self._answer(ctx, QUESTIONS["name"], inbound)

    async def _skills_in(
        self, ctx: Ctx, inbound: Inbound, kind: str, before: tuple[Reply, ...] = ()
    ) -> Step:
        state = f"{kind}_skills"
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, state, QUESTIONS[state].empty)
        errors = skillpick.begin(ctx, text)
        ctx.data["sk_kind"] = kind
        if errors and not ctx.data.get("sk_ok") and not skillpick.has_pending(ctx):
            return goto(state, *before, Reply(" ".join(errors)), await self.prompt(ctx, state))
        pre = [*before, *([Reply(" ".join(errors))] if errors else [])]
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
        await QUESTIONS[f"{kind}_skills"].save(ctx, tuple((i, lv) for i, _n, lv in pairs))
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

    async def _set_tz(self, ctx: Ctx, name: str) -> Step:
        await QUESTIONS["timezone"].save(ctx, name)
        local = ctx.now.astimezone(zone(name))
        ctx.data["has_tz"] = True
        seq = self._sequence(ctx)
        at = seq.index("timezone") if "timezone" in seq else -1
        # The button rides on the availability question; where none follows (the short
        # profile before a first booking), point at the profile instead.
        if 0 <= at < len(seq) - 1 and seq[at + 1] == "availability":
            fix = "Wrong? Tap “Change time zone” below."
        else:
            fix = "Wrong? Change it any time: /profile → Time zone."
        return await self._advance(
            ctx,
            "timezone",
            Reply(
                f"Time zone set to {esc(describe_zone(name, ctx.now))} — it's "
                f"{local:%a %H:%M} there now. {fix}"
            ),
        )

    async def on_timezone(self, ctx: Ctx, inbound: Inbound) -> Step:
        q = QUESTIONS["timezone"]
        p = Ob.parse(ctx.action_of(inbound) or "")
        text = p.value if p is not None and p.what == q.quick_code else ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "timezone", q.empty)
        # Steps can ask back ("which Springfield?"); the form's parser picks or refuses.
        res = resolve_tz(text, ctx.now)
        if isinstance(res, str):
            return await self._set_tz(ctx, res)
        if isinstance(res, TzChoice):
            ctx.data["tz_options"] = list(res.options)
            ctx.data["tz_labels"] = list(res.labels)
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
        q = QUESTIONS["availability"]
        p = Ob.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "tzfix":
            return goto("timezone", await self.prompt(ctx, "timezone"))
        skipped = (p is not None and p.what == "skip") or is_skip(ctx.text_of(inbound))
        if skipped and ctx.data.get("mentor"):
            return await self.retry(
                ctx, "availability", "Mentors need at least one time slot so learners can book."
            )
        step = await self._answer(ctx, q, inbound)
        if not skipped and step.state != "availability":
            ctx.data["has_avail"] = True
        return step

    async def on_age(self, ctx: Ctx, inbound: Inbound) -> Step:
        q = QUESTIONS["age"]
        p = Ob.parse(ctx.action_of(inbound) or "")
        said = q.read_quick(p.value) if p is not None and p.what == q.quick_code else None
        text = said or ctx.text_of(inbound)
        if text and parse_age_band(text) == UNDER_13:
            return end(Reply(UNDER_13_REFUSED + " " + self._under_13_next(ctx)))
        step = await self._answer(ctx, q, inbound)
        if step.state == "age" or await ctx.trust.age_band(ctx.user.id) != "under18":
            return step
        if ctx.str_data("mode", "onboard") == "apply":
            await ctx.profiles.set_role(ctx.user.id, learn=True, mentor=False)
            return end(Reply(MENTOR_ADULTS_ONLY))
        if ctx.data.get("mentor"):
            # Mentors are adults: an under-18 who chose to mentor is set up as a learner.
            ctx.data.update({"mentor": False, "learn": True})
            await ctx.profiles.set_role(ctx.user.id, learn=True, mentor=False)
            return await self._advance(
                ctx,
                "age",
                Reply("Mentors must be 18 or older, so I've set you up to learn instead."),
            )
        return step

    @staticmethod
    def _under_13_next(ctx: Ctx) -> str:
        """What an "under 13" answer means for this person (nothing of it is stored)."""
        if ctx.user.onboarded:
            return (
                "Your age group is unchanged. If you are under 13, please stop using "
                "MentorBot: /privacy delete erases what it holds about you."
            )
        return (
            "Your profile isn't finished, so nobody can find or message you. "
            "Tapped the wrong button? Send /start to begin again."
        )

    async def on_photo(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Ob.parse(ctx.action_of(inbound) or "")
        if (p is not None and p.what == "skip") or is_skip(ctx.text_of(inbound)):
            return await self._advance(ctx, "photo")
        if p is not None and p.what == "photo" and p.value == "remove":
            await ctx.trust.remove_avatar(ctx.user.id)
            return await self._advance(ctx, "photo", Reply("Photo removed."))
        if p is not None and p.what == "photo" and p.value == "platform":
            # The adapter answers this press with the photo itself; here it had none.
            return await self.retry(
                ctx,
                "photo",
                "I couldn't get a profile photo from your account (there may be none, or "
                "privacy settings hide it). Please send a photo, or tap Skip.",
            )
        if not isinstance(inbound, FileIn):
            return await self.retry(ctx, "photo", "Please send a photo, or tap Skip.")
        policies = ctx.deps.policies
        if inbound.data is None:
            if inbound.size > policies.avatar_max_bytes:
                mb = policies.avatar_max_bytes // (1024 * 1024)
                return await self.retry(
                    ctx, "photo", f"That photo is too big; please send one under {mb} MB."
                )
            return await self.retry(
                ctx, "photo", "I couldn't fetch that file — please send the photo again."
            )
        got = process(
            inbound.data,
            max_bytes=policies.avatar_max_bytes,
            max_pixels=policies.avatar_max_pixels,
        )
        if isinstance(got, Refused):
            return await self.retry(ctx, "photo", got.message)
        await ctx.trust.set_avatar(ctx.user.id, got, ctx.account.platform)
        ctx.u.profiles_changed([ctx.user.id])
        return await self._advance(ctx, "photo", Reply("Photo saved ✅"))

    async def on_goals(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["goals"], inbound)

    async def on_languages(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["languages"], inbound)

    async def on_headline(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["headline"], inbound)

    async def on_bio(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["bio"], inbound)

    async def on_years(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["years"], inbound)

    async def on_price(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["price"], inbound)

    async def on_lengths(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["lengths"], inbound)

    async def on_extras(self, ctx: Ctx, inbound: Inbound) -> Step:
        return await self._answer(ctx, QUESTIONS["extras"], inbound)
