"""Find a mentor: skill (normalised), language, max price, sort, pages, view profile."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from core.avatars import picture_path
from core.booking.swaps import swap_line
from core.currency import money, parse_money
from core.db.funnel import SEARCH, VIEW
from core.db.schema import MentorProfile
from core.dialogs.answers import ANSWERS
from core.dialogs.engine import Ctx, Dialog, Step, goto
from core.dialogs.matchview import (
    breakdown_text,
    result_line,
    understood_parts,
    understood_text,
    why_in_words,
)
from core.dialogs.onboarding import offer_to_teach
from core.dialogs.profile import mentor_profile_reply
from core.languages import language_by_code, parse_languages
from core.markup import esc, quote
from core.messaging import (
    Asks,
    Button,
    Card,
    Choice,
    Choices,
    Inbound,
    Reply,
    fit_label,
    with_cards,
)
from core.numbers import as_int
from core.payloads import Payload
from core.recommend import MatchQuery, query_from_json, query_to_json
from core.services.buttons import ViewProfile
from core.services.search import SORTS, SearchFilters, Sort
from core.services.wishes import teachers_of, wish
from core.skills import SkillMatch, SkillSuggestions
from core.understand.intents import read_intent
from core.views import hit_line, price_label, stars, verified_label

FILLER = re.compile(
    r"^(?:please\s+)?(?:(?:find|get|show)\s+(?:me\s+)?)?(?:an?\s+)?(?:mentors?\s+)?"
    r"(?:(?:for|in|on|with|who\s+(?:knows|teaches))\s+)?(?:help\s+(?:with|in)\s+)?"
    r"(?:i\s+want\s+to\s+learn\s+|learn(?:ing)?\s+)?",
    re.IGNORECASE,
)
PRICE_CAPS = (0, 10000, 20000, 50000)
MAX_PRICE_CAP_MINOR = 100_000_00  # a typed "up to" above ₹1,00,000 is a slip
# Characters of a chip or name button: short enough for a phone's width, cut at a word.
CHIP_LABEL = 28
NAME_LABEL = 24
# With matching on, results come ranked by the recommender ("best match") unless the learner
# picks one of the directory's orders; without it, rating is the default order.
BEST_MATCH = "match"
WISH_LABEL = "🔔 Tell me when someone does"
SORT_LABELS = {
    BEST_MATCH: "best match",
    "rating": "rating",
    "price": "price",
    "experience": "experience",
    "popularity": "popularity",
}
log = logging.getLogger(__name__)


async def swap_note(ctx: Ctx, shown: list[int]) -> str:
    """Mentors on this page who'd swap with the searcher (core/booking/swaps.py)."""
    matches = [m for m in await ctx.u.swaps.partners(ctx.user.id) if m.partner_id in shown]
    return "".join(
        f"\n🔁 {esc(swap_line(m, m.i_teach[0], m.they_teach[0]))}: swap with /swap"
        for m in matches[:2]
    )


@dataclass(frozen=True)
class Fm(Payload, prefix="fm"):
    what: str
    value: str


async def _remember_for_newcomer(ctx: Ctx, skill_ids: tuple[int, ...], text: str) -> None:
    """Someone searching before having a profile: what they asked for is what they want to
    learn, so booking later doesn't ask it again."""
    if ctx.user.onboarded or not skill_ids:
        return
    if await ctx.profiles.skills_of(ctx.user.id, "learn"):
        return
    await ctx.profiles.set_role(ctx.user.id, learn=True, mentor=ctx.user.wants_to_mentor)
    await ctx.profiles.set_skills(
        ctx.user.id, "learn", [(sid, "beginner") for sid in skill_ids[:5]]
    )
    if not ctx.user.goals and len(text) >= 3:
        await ctx.profiles.set_goals(ctx.user.id, text[:500])


NOTHING_TO_FIND = (
    "Tell me what you'd like to learn, e.g. “python interviews this weekend” or "
    "“SQL joins in Hindi under ₹200”."
)


def _aside(ctx: Ctx, text: str) -> Reply | Step | None:
    """Typed text that isn't a search, read once: a question about MentorBot gets its answer
    (then the search goes on), an offer to teach starts the application, and small talk or
    markup ("hello?", "<script>…") is told how to ask. None: search for it."""
    if re.search(r"<[^>]*>", text) or not re.search(r"[^\W\d_]{2,}", text):
        return Reply(NOTHING_TO_FIND)
    reading = read_intent(text, ctx.deps.catalog.index.names_in)
    if not reading.sure:
        return None  # a doubtful aside is searched for, as typed
    answer = ANSWERS.get(reading.intent)
    if answer is not None:
        return Reply(answer(ctx.deps.policies))
    if reading.intent == "teach":
        return offer_to_teach(ctx, reading)
    if reading.intent in ("greet", "thanks", "help"):
        return Reply(NOTHING_TO_FIND)
    return None


def clean_query(text: str) -> str:
    return FILLER.sub("", text.strip()).strip(" ?.!")


class FindMentor(Dialog):
    name = "find"
    title = "your mentor search"
    # "pv" too, so a profile opened from the results can lead back to the same page.
    prefixes = ("fm", "pv")

    async def start(self, ctx: Ctx, args: str) -> Step:
        ctx.data.update(
            {"sort": BEST_MATCH if ctx.deps.recommender is not None else "rating", "page": 0}
        )
        query = clean_query(args)
        aside = _aside(ctx, args) if query else None
        if isinstance(aside, Step):
            return aside
        if aside is not None:
            return goto("skill", aside, await self.prompt(ctx, "skill"))
        if query and ctx.deps.recommender is not None:
            return await self._understand(ctx, args.strip())
        if query:
            return await self._with_skill_text(ctx, query)
        return goto("skill", await self.prompt(ctx, "skill"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "skill":
            popular = await ctx.directory.popular_skills(6)
            names = ctx.deps.catalog.index.by_id
            buttons = [
                Button(names[sid].name, Fm("skill", str(sid)).pack())
                for sid, _n in popular
                if sid in names
            ]
            return Reply(
                "Which skill do you want help with? Type it (typos are fine) or pick a popular one.",
                asks=Asks("Which skill do you want help with?", max_length=200),
                buttons=tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)),
            )
        if state == "skill_pick":
            raw = ctx.data.get("options")
            opts = [o for o in raw if isinstance(o, list)] if isinstance(raw, list) else []
            return Reply(
                f"I'm not sure which skill {quote(ctx.str_data('typed'))} is. Did you mean:",
                buttons=tuple((Button(str(o[1]), Fm("skill", str(o[0])).pack()),) for o in opts),
            )
        if state == "price":
            return Reply(
                "Type the most you'd pay per session in rupees (e.g. 150), or 0 for free only.",
                asks=Asks("Most you'd pay per session (rupees)", max_length=12, placeholder="150"),
            )
        return await self._results(ctx)

    async def _with_skill_text(self, ctx: Ctx, text: str) -> Step:
        if ctx.deps.recommender is not None:
            return await self._understand(ctx, text)
        res = ctx.deps.catalog.index.resolve(text)
        if isinstance(res, SkillMatch):
            await _remember_for_newcomer(ctx, (res.skill.id,), text)
            ctx.data.update({"skill_id": res.skill.id, "skill": res.skill.name, "page": 0})
            pre = (
                [Reply(f"Searching for *{esc(res.skill.name)}* (you typed {quote(text)}).")]
                if res.corrected
                else []
            )
            return goto("results", *pre, await self._results(ctx))
        if isinstance(res, SkillSuggestions):
            ctx.data["options"] = [[o.id, o.name] for o in res.options]
            ctx.data["typed"] = text
            return goto("skill_pick", await self.prompt(ctx, "skill_pick"))
        return goto(
            "skill",
            Reply(
                f"I don't know a skill called {quote(text)}. Try another name, e.g. Python, DSA, resume review."
            ),
        )

    def _sort(self, ctx: Ctx) -> Sort | None:
        """The directory order picked, or None for the recommender's best match."""
        sort = ctx.str_data("sort", "rating")
        if sort == BEST_MATCH and ctx.deps.recommender is not None:
            return None
        return next((s for s in SORTS if s == sort), "rating")

    def _sort_row(self, ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
        """Every order but the current one, in two short rows (phone widths)."""
        current = self._sort(ctx) or BEST_MATCH
        names = ((BEST_MATCH,) if ctx.deps.recommender is not None else ()) + SORTS
        buttons = [
            Button(f"Sort: {SORT_LABELS[n]}", Fm("sort", n).pack()) for n in names if n != current
        ]
        return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))

    def _filters(self, ctx: Ctx) -> SearchFilters:
        cap = ctx.data.get("max_price")
        return SearchFilters(
            skill_id=ctx.int_data("skill_id") or None,
            language=ctx.str_data("lang") or None,
            max_price_minor=cap if isinstance(cap, int) else None,
            sort=self._sort(ctx) or "rating",
            exclude_user_id=ctx.user.id,
            viewer_id=ctx.user.id,
        )

    # ------------------------------------------------------------ with a recommender (DESIGN §8)

    async def _understand(self, ctx: Ctx, text: str) -> Step:
        rec = ctx.deps.recommender
        assert rec is not None
        q = rec.understand(text, ctx.user.timezone, ctx.now)
        await _remember_for_newcomer(ctx, q.skill_ids, text)
        for k in ("lang", "max_price", "skill_id", "skill"):
            ctx.data.pop(k, None)
        ctx.data.update({"mq": query_to_json(q), "page": 0})
        return goto("results", await self._results(ctx))

    def _query(self, ctx: Ctx) -> MatchQuery | None:
        q = query_from_json(ctx.data.get("mq"))
        if q is None:
            return None
        if "lang" in ctx.data:
            lang = ctx.str_data("lang")
            q = replace(q, languages=(lang,) if lang else ())
        if "max_price" in ctx.data:
            cap = ctx.data.get("max_price")
            q = replace(q, max_price_minor=cap if isinstance(cap, int) else None)
        return q

    async def _smart_results(self, ctx: Ctx, q: MatchQuery) -> Reply:
        rec = ctx.deps.recommender
        assert rec is not None
        per_page = ctx.deps.policies.page_size
        page = max(0, ctx.int_data("page"))
        result = await rec.recommend(
            ctx.session, ctx.user.id, q, per_page, ctx.now, offset=page * per_page
        )
        if page == 0:
            await ctx.u.analytics.record(SEARCH, ctx.user.id)
        hidden = await ctx.u.safety.blocked_either_way(ctx.user.id)
        if hidden:
            # Blocked either way: not shown (issue 18); the page may come out shorter.
            result = replace(
                result, items=tuple(r for r in result.items if r.mentor_id not in hidden)
            )
        total = max(result.total_candidates, len(result.items))
        pages = max(1, -(-total // per_page))
        head = understood_text(q, ctx.user.timezone)
        fixes = [
            Button(fit_label(f"✖ {label}", CHIP_LABEL), Fm("drop", part).pack())
            for part, label in understood_parts(q, ctx.user.timezone)
        ]
        rows: list[tuple[Button, ...]] = [tuple(fixes[i : i + 3]) for i in range(0, len(fixes), 3)]
        notes = "".join(f"\n_{esc(n)}_" for n in result.notes)
        if not result.items:
            rows.append((Button("New search", Fm("new", "1").pack()),))
            return Reply(
                head + notes + "\n\nNo approved mentors match yet. Tap ✖ to loosen a part, "
                "or type what you need in other words.",
                buttons=tuple(rows),
            )
        ctx.data["why"] = {
            str(r.mentor_id): [r.name, r.score, [[s.name, s.value, s.weight] for s in r.signals]]
            for r in result.items
        }
        verified = await ctx.u.verification.domains_of(r.mentor_id for r in result.items)
        lines = [
            result_line(page * per_page + i + 1, r, verified.get(r.mentor_id, ""))
            for i, r in enumerate(result.items)
        ]
        pictures = await ctx.trust.avatars_of(r.mentor_id for r in result.items)
        badges = await ctx.u.badges.labels_for([r.mentor_id for r in result.items])
        lines = [
            line + (f" · {esc(' '.join(badges[r.mentor_id]))}" if r.mentor_id in badges else "")
            for line, r in zip(lines, result.items, strict=True)
        ]
        cards = []
        for r in result.items:
            profile, why = ViewProfile(r.mentor_id).pack(), Fm("why", str(r.mentor_id)).pack()
            rows.append(
                (
                    Button(fit_label(f"👤 {r.name}", NAME_LABEL), profile),
                    Button("❓ Why this mentor?", why),
                )
            )
            cards.append(
                Card(
                    r.name,
                    _badged(r.reason or r.headline, verified.get(r.mentor_id, "")),
                    price_label(r.price_mode, r.price_minor, r.currency),
                    stars(r.rating_avg, r.rating_count),
                    (Button("Profile", profile), Button("Why?", why)),
                    picture_path(pictures.get(r.mentor_id)),
                )
            )
        nav = []
        if page > 0:
            nav.append(Button("◀ Previous", Fm("page", str(page - 1)).pack()))
        if page + 1 < pages:
            nav.append(Button("Next ▶", Fm("page", str(page + 1)).pack()))
        if nav:
            rows.append(tuple(nav))
        rows.extend(self._sort_row(ctx))
        rows.append(
            (
                Button("Language", Fm("lang", "ask").pack()),
                Button("Max price", Fm("price", "ask").pack()),
                Button("New search", Fm("new", "1").pack()),
            )
        )
        title = f"*Best matches* · {total} found"
        if q.skill_ids and not await teachers_of(ctx.session, q.skill_ids, besides=ctx.user.id):
            # Ranked neighbours are not matches: say so, and offer to wait for a real one.
            title = f"Nobody teaches *{esc(', '.join(q.skill_names))}* yet — closest:"
            rows.insert(0, (Button(WISH_LABEL, Fm("wish", "1").pack()),))
        top = f"{head}{notes}\n\n{title}"
        footer = f"\nPage {page + 1} of {pages}."
        footer += await swap_note(ctx, [r.mentor_id for r in result.items])
        body = top + "\n\n" + "\n".join(lines) + footer
        return with_cards(Reply(body, buttons=tuple(rows)), cards, top + footer)

    async def _wish(self, ctx: Ctx) -> Reply:
        q = self._query(ctx) if ctx.deps.recommender is not None else None
        ids = q.skill_ids if q is not None else (ctx.int_data("skill_id"),)
        ids = tuple(i for i in ids if i in ctx.deps.catalog.index.by_id)
        if not ids:
            return Reply("Which skill? Search for it first, then tap “Tell me when someone does”.")
        await wish(ctx.session, ctx.user.id, ids, ctx.now)
        names = ", ".join(ctx.deps.catalog.index.by_id[i].name for i in ids)
        return Reply(
            f"🔔 Done — I'll message you when a mentor who teaches *{esc(names)}* is approved.",
            buttons=((Button("New search", Fm("new", "1").pack()),),),
        )

    def _why(self, ctx: Ctx, mentor_id: str, *, numbers: bool = False) -> Reply:
        """Why a mentor came up: in words first; the arithmetic behind "Details"."""
        why = ctx.data.get("why")
        entry = why.get(mentor_id) if isinstance(why, dict) else None
        if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[2], list):
            return Reply("That result is from an earlier search; here are the current ones.")
        name, score, raw = entry[0], entry[1], entry[2]
        assert isinstance(raw, list)
        rows = [
            (str(r[0]), float(r[1]), float(r[2]))
            for r in raw
            if isinstance(r, list)
            and len(r) == 3
            and isinstance(r[1], int | float)
            and isinstance(r[2], int | float)
        ]
        back = Button("◀ Back to results", Fm("page", str(ctx.int_data("page"))).pack())
        if not numbers:
            details = Button("🔢 Details", Fm("whyn", mentor_id).pack())
            return Reply(why_in_words(str(name), rows), buttons=((details, back),))
        return Reply(
            breakdown_text(
                str(name), float(score) if isinstance(score, int | float) else 0.0, rows
            ),
            buttons=((back,),),
        )

    async def _results(self, ctx: Ctx) -> Reply:
        q = self._query(ctx) if ctx.deps.recommender is not None else None
        if q is not None and (sort := self._sort(ctx)) is not None:
            return await self._sorted_results(ctx, q, sort)
        if q is not None:
            try:
                return await self._smart_results(ctx, q)
            except Exception:
                log.exception("recommender failed; falling back to the basic directory")
                if not q.skill_ids:
                    return Reply(
                        "Search is having trouble right now. Try a skill name, e.g. Python.",
                        buttons=((Button("New search", Fm("new", "1").pack()),),),
                    )
                ref = ctx.deps.catalog.index.by_id.get(q.skill_ids[0])
                ctx.data.update(
                    {"skill_id": q.skill_ids[0], "skill": ref.name if ref else q.skill_names[0]}
                )
        return await self._basic_results(ctx)

    async def _sorted_results(self, ctx: Ctx, q: MatchQuery, sort: Sort) -> Reply:
        """An understood request in one of the directory's orders: the mentors who teach what
        was asked (any of its skills), in its languages and under its price cap."""
        f = SearchFilters(
            skill_ids=q.skill_ids,
            languages=q.languages,
            max_price_minor=q.max_price_minor,
            sort=sort,
            exclude_user_id=ctx.user.id,
            viewer_id=ctx.user.id,
        )
        fixes = [
            Button(fit_label(f"✖ {label}", CHIP_LABEL), Fm("drop", part).pack())
            for part, label in understood_parts(q, ctx.user.timezone)
        ]
        chips = tuple(tuple(fixes[i : i + 3]) for i in range(0, len(fixes), 3))
        scope = "" if q.skill_ids else " (no skill picked out: all mentors)"
        understood = understood_text(q, ctx.user.timezone)
        return await self._listing(
            ctx, f, lambda n: f"{understood}\n\n*Sorted by {sort}*{scope} · {n} found", chips
        )

    async def _basic_results(self, ctx: Ctx) -> Reply:
        f = self._filters(ctx)
        lang = language_by_code(f.language) if f.language else None
        price = (
            "any price"
            if f.max_price_minor is None
            else (
                "free only"
                if f.max_price_minor == 0
                else f"up to {money(f.max_price_minor, ctx.deps.policies.currency)}"
            )
        )
        skill = esc(ctx.str_data("skill"))
        where = f"{lang.name if lang else 'any language'} · {price}"
        return await self._listing(
            ctx, f, lambda n: f"*{skill}* mentors · {n} found · sorted by {f.sort} · {where}", ()
        )

    async def _listing(
        self,
        ctx: Ctx,
        f: SearchFilters,
        heading: Callable[[int], str],
        chips: tuple[tuple[Button, ...], ...],
    ) -> Reply:
        """One page of the directory in the filters' order, under a heading that says how
        many were found."""
        per_page = ctx.deps.policies.page_size
        page = max(0, ctx.int_data("page"))
        result = await ctx.directory.search(f, page, per_page)
        if result.total and page >= result.pages:
            page = result.pages - 1
            ctx.data["page"] = page
            result = await ctx.directory.search(f, page, per_page)
        if page == 0:
            await ctx.u.analytics.record(SEARCH, ctx.user.id)
        head = heading(result.total)
        if not result.hits:
            buttons: list[tuple[Button, ...]] = list(chips)
            asked = (f.skill_id,) if f.skill_id else f.skill_ids
            if asked and not await teachers_of(ctx.session, asked, besides=ctx.user.id):
                names = ctx.deps.catalog.index.by_id
                skills = ", ".join(names[i].name for i in asked if i in names)
                buttons.append((Button(WISH_LABEL, Fm("wish", "1").pack()),))
                head += f"\n\nNobody teaches *{esc(skills)}* yet."
            relax = []
            if f.language:
                relax.append(Button("Any language", Fm("lang", "any").pack()))
            if f.max_price_minor is not None:
                relax.append(Button("Any price", Fm("price", "any").pack()))
            if relax:
                buttons.append(tuple(relax))
            buttons.append((Button("New search", Fm("new", "1").pack()),))
            return Reply(
                head + "\n\nNo approved mentors match yet. Loosen a filter or try another skill.",
                buttons=tuple(buttons),
            )
        verified = await ctx.u.verification.domains_of(h.user_id for h in result.hits)
        lines = [
            hit_line(page * per_page + i + 1, h, verified.get(h.user_id, ""))
            for i, h in enumerate(result.hits)
        ]
        if f.sort == "popularity":
            lines = [
                f"{line} · {h.sessions_completed} session{'s' if h.sessions_completed != 1 else ''}"
                " done"
                for line, h in zip(lines, result.hits, strict=True)
            ]
        badges = await ctx.u.badges.labels_for([h.user_id for h in result.hits])
        lines = [
            line + (f" · {esc(' '.join(badges[h.user_id]))}" if h.user_id in badges else "")
            for line, h in zip(lines, result.hits, strict=True)
        ]
        view_buttons = [
            Button(fit_label(f"👤 {h.name}", NAME_LABEL), ViewProfile(h.user_id).pack())
            for h in result.hits
        ]
        pictures = await ctx.trust.avatars_of(h.user_id for h in result.hits)
        cards = [
            Card(
                h.name,
                _badged(h.headline, verified.get(h.user_id, "")),
                price_label(h.price_mode, h.price_minor, h.currency),
                stars(h.rating_avg, h.rating_count),
                (Button("Profile", ViewProfile(h.user_id).pack()),),
                picture_path(pictures.get(h.user_id)),
            )
            for h in result.hits
        ]
        rows: list[tuple[Button, ...]] = [
            *chips,
            *(tuple(view_buttons[i : i + 2]) for i in range(0, len(view_buttons), 2)),
        ]
        nav = []
        if page > 0:
            nav.append(Button("◀ Previous", Fm("page", str(page - 1)).pack()))
        if page + 1 < result.pages:
            nav.append(Button("Next ▶", Fm("page", str(page + 1)).pack()))
        if nav:
            rows.append(tuple(nav))
        rows.extend(self._sort_row(ctx))
        rows.append(
            (
                Button("Language", Fm("lang", "ask").pack()),
                Button("Max price", Fm("price", "ask").pack()),
                Button("New search", Fm("new", "1").pack()),
            )
        )
        footer = f"\nPage {page + 1} of {result.pages}."
        footer += await swap_note(ctx, [h.user_id for h in result.hits])
        reply = Reply(head + "\n\n" + "\n".join(lines) + footer, buttons=tuple(rows))
        return with_cards(reply, cards, head + footer)

    def _language_choices(self, ctx: Ctx) -> Choices:
        codes = ["en", "hi", "bn", "te", "mr", "ta", "gu", "kn", "ml", "pa", "ur", "es", "fr", "de"]
        opts = [Choice("Any language", Fm("lang", "any").pack())]
        for code in codes:
            lang = language_by_code(code)
            if lang is not None:
                opts.append(Choice(lang.name, Fm("lang", code).pack()))
        return Choices("Pick a language", tuple(opts))

    async def on_skill(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Fm.parse(ctx.action_of(inbound) or "")
        skill = as_int(p.value) if p is not None and p.what == "skill" else None
        if skill is not None:
            return await self._pick(ctx, skill)
        text = clean_query(ctx.text_of(inbound) or "")
        if not text:
            return await self.retry(ctx, "skill", "Please type a skill.")
        aside = _aside(ctx, ctx.text_of(inbound) or "")
        if isinstance(aside, Step):
            return aside
        if aside is not None:
            return goto("skill", aside, await self.prompt(ctx, "skill"))
        return await self._with_skill_text(ctx, text)

    async def _pick(self, ctx: Ctx, skill_id: int) -> Step:
        ref = ctx.deps.catalog.index.by_id.get(skill_id)
        if ref is None:
            return await self.retry(ctx, "skill", "That skill isn't available — type another.")
        ctx.data.update({"skill_id": ref.id, "skill": ref.name, "page": 0})
        if ctx.deps.recommender is not None:
            q = MatchQuery(ref.name, skill_ids=(ref.id,), skill_names=(ref.name,))
            ctx.data["mq"] = query_to_json(q)
            return goto("results", await self._results(ctx))
        return goto("results", await self._results(ctx))

    async def on_skill_pick(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Fm.parse(ctx.action_of(inbound) or "")
        skill = as_int(p.value) if p is not None and p.what == "skill" else None
        if skill is not None:
            return await self._pick(ctx, skill)
        if ctx.text_of(inbound):
            return await self.on_skill(ctx, inbound)
        return await self.retry(ctx, "skill_pick", "Pick one of the skills, or type another name.")

    async def handle(self, ctx: Ctx, state: str, inbound: Inbound) -> Step:
        action = ctx.action_of(inbound) or ""
        if ViewProfile.matches(action):
            rec, p = ctx.deps.recommender, ViewProfile.parse(action)
            # Only a mentor who exists is a click to learn from: a made-up id (pv:-1) would
            # break the log's foreign key and fail the whole step.
            if (
                rec is not None
                and p is not None
                and "mq" in ctx.data
                and await ctx.session.get(MentorProfile, p.user_id) is not None
            ):
                await rec.log_event(ctx.session, ctx.user.id, p.user_id, "click", ctx.now)
            if p is not None and await ctx.session.get(MentorProfile, p.user_id) is not None:
                await ctx.u.analytics.record(VIEW, ctx.user.id, p.user_id)
            back = Button("◀ Back to results", Fm("page", str(ctx.int_data("page"))).pack())
            return goto("results", await mentor_profile_reply(ctx, action, ((back,),)))
        return await super().handle(ctx, state, inbound)

    async def on_results(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Fm.parse(ctx.action_of(inbound) or "")
        text = ctx.text_of(inbound)
        if p is None:
            aside = _aside(ctx, text) if text else None
            if isinstance(aside, Step):
                return aside
            if aside is not None:
                return goto("results", aside, await self._results(ctx))
            if text:
                langs = parse_languages(text)
                if langs.found and not langs.unknown:
                    ctx.data.update({"lang": langs.found[0].code, "page": 0})
                    return goto("results", await self._results(ctx))
                if ctx.deps.recommender is not None:
                    return await self._understand(ctx, text)
                return await self._with_skill_text(ctx, clean_query(text))
            return await self.retry(ctx, "results", "Use the buttons, or type another skill.")
        if p.what == "wish":
            return goto("results", await self._wish(ctx))
        if p.what in ("why", "whyn"):
            return goto("results", self._why(ctx, p.value, numbers=p.what == "whyn"))
        if p.what == "drop":
            q = self._query(ctx)
            if q is not None:
                ctx.data.pop({"lang": "lang", "price": "max_price"}.get(p.value, "_"), None)
                base = query_from_json(ctx.data.get("mq")) or q
                ctx.data.update({"mq": query_to_json(base.without(p.value)), "page": 0})
            return goto("results", await self._results(ctx))
        if p.what == "page" and (page := as_int(p.value)) is not None:
            ctx.data["page"] = page
        elif p.what == "sort" and (p.value in SORTS or p.value == BEST_MATCH):
            ctx.data.update({"sort": p.value, "page": 0})
        elif p.what == "lang" and p.value == "ask":
            return goto("results", Reply("Which language?", choices=self._language_choices(ctx)))
        elif p.what == "lang":
            ctx.data.update({"lang": "" if p.value == "any" else p.value, "page": 0})
        elif p.what == "price" and p.value == "ask":
            buttons = tuple(
                Button(
                    "Free only" if c == 0 else f"≤ {money(c, ctx.deps.policies.currency)}",
                    Fm("price", str(c)).pack(),
                )
                for c in PRICE_CAPS
            )
            return goto(
                "price",
                Reply(
                    "What's the most you'd pay per session? Tap one or type an amount in rupees.",
                    buttons=(buttons, (Button("Any price", Fm("price", "any").pack()),)),
                ),
            )
        elif p.what == "price":
            ctx.data.update({"max_price": None if p.value == "any" else int(p.value), "page": 0})
        elif p.what == "new":
            for k in ("skill_id", "skill", "lang", "max_price", "mq", "why"):
                ctx.data.pop(k, None)
            return goto("skill", await self.prompt(ctx, "skill"))
        elif p.what == "skill" and (skill := as_int(p.value)) is not None:
            return await self._pick(ctx, skill)
        return goto("results", await self._results(ctx))

    async def on_price(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Fm.parse(ctx.action_of(inbound) or "")
        if p is not None:
            if p.what == "price" and (p.value == "any" or as_int(p.value) is not None):
                return await self.on_results(ctx, inbound)
            return await self.retry(ctx, "price", "Pick a price or type an amount.")
        text = (ctx.text_of(inbound) or "").strip().casefold()
        cap = 0 if text == "free" else parse_money(text, ctx.deps.policies.currency)
        if text in ("any", "no limit"):
            ctx.data.update({"max_price": None, "page": 0})
        elif cap is not None:
            if cap > MAX_PRICE_CAP_MINOR:
                return await self.retry(
                    ctx, "price", "That's more than any session costs; type a smaller amount."
                )
            ctx.data.update({"max_price": cap, "page": 0})
        else:
            return await self.retry(ctx, "price", "Please type a whole number of rupees, like 150.")
        return goto("results", await self._results(ctx))


def _badged(line: str, domain: str) -> str:
    """A result card's line with "verified · domain" in front (plain text)."""
    return f"{verified_label(domain)} · {line}" if domain else line
