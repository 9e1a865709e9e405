"""`/admin stats [week|month|quarter]`: charts with a one-line summary each; `/admin export
<bookings|payments|people|payouts>`: a CSV file (issue 17)."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass

from core import charts
from core.booking.analytics import EXPORTS, PERIODS, StatsReport, csv_cell, median
from core.currency import money
from core.dialogs.engine import Ctx
from core.markup import esc
from core.messaging import Attachment, Image, Reply


@dataclass(frozen=True)
class Chart:
    summary: str  # one line, plain words (markup-escaped when shown)
    alt: str
    png: bytes


def pct(n: int, of: int) -> str:
    return f"{round(100 * n / of)}%" if of else "–"


def minutes_text(m: float | None) -> str:
    if m is None:
        return "–"
    if m < 90:
        return f"{round(m)} min"
    return f"{m / 60:.1f} h"


def summaries(r: StatsReport) -> list[tuple[str, str]]:
    """(summary, alt text) per chart, in the order `draw` draws them."""
    out: list[tuple[str, str]] = []
    total = sum(r.signups.values())
    per = ", ".join(f"{p} {n}" for p, n in r.signups.items())
    out.append(
        (
            f"Sign-ups: {total}" + (f" ({per})" if per else ""),
            "Bar chart of new people per platform: " + (per or "none"),
        )
    )
    steps = []
    prev: int | None = None
    for name, n in r.funnel:
        steps.append(f"{n} {name}" + (f" ({pct(n, prev)})" if prev is not None else ""))
        prev = n
    out.append(
        (
            "Funnel: " + " → ".join(steps),
            "Bar chart of the funnel, each step with its conversion from the step before: "
            + ", ".join(steps),
        )
    )
    parts = [f"{label} {money(v, r.currency)}" for label, v in r.money.items()]
    out.append((f"Money ({r.currency}): " + " · ".join(parts), "Bar chart of " + ", ".join(parts)))
    tops = [
        f"{m.name} {m.sessions} session{'s' if m.sessions != 1 else ''}"
        + (f" ★{m.rating:.1f}" if m.rating is not None else "")
        + f", answers in {minutes_text(m.answer_min)}"
        for m in r.top_mentors
    ]
    out.append(
        (
            "Top mentors: " + ("; ".join(tops) if tops else "no completed sessions"),
            "Bar chart of completed sessions per mentor: " + ("; ".join(tops) or "none"),
        )
    )
    line = (
        f"Sessions booked: {r.scheduled}; cancelled {r.cancelled} "
        f"({pct(r.cancelled, r.scheduled)}), no-shows {r.no_shows} "
        f"({pct(r.no_shows, r.scheduled)})"
    )
    out.append((line, "Bar chart of " + line))
    ans = sorted(r.answer_minutes)
    p90 = ans[min(len(ans) - 1, int(0.9 * len(ans)))] if ans else None
    line = (
        f"Time to answer a request: median {minutes_text(median(ans))}, 90% within "
        f"{minutes_text(p90)} ({len(ans)} answered)"
    )
    out.append((line, "Histogram of minutes from request to answer; " + line))
    parts = [
        f"{v.variant} {v.booked}/{v.shown} {pct(v.booked, v.shown)} "
        f"({round(100 * v.interval[0])}–{round(100 * v.interval[1])}%)"
        for v in r.variants
    ]
    line = "Ranking experiment, learners shown results who asked for a session (95% interval): " + (
        "; ".join(parts) if parts else "no experiment data in this period"
    )
    out.append((line, "Dot chart with interval bars per ranking variant; " + line))
    return out


def draw(r: StatsReport) -> list[Chart]:
    """Every chart of the report (CPU work: run it in a thread)."""
    texts = summaries(r)
    steps = [n for _s, n in r.funnel]
    step_labels = [
        f"{n}" + (f" · {pct(n, steps[i - 1])}" if i else "") for i, n in enumerate(steps)
    ]
    booked_other = r.scheduled - r.cancelled - r.no_shows
    pngs = [
        charts.bars(
            "Sign-ups by platform",
            list(r.signups),
            list(r.signups.values()),
            [str(v) for v in r.signups.values()],
        ),
        charts.bars("Funnel", [s for s, _n in r.funnel], steps, step_labels),
        charts.bars(
            f"Money ({r.currency})",
            list(r.money),
            list(r.money.values()),
            [money(v, r.currency) for v in r.money.values()],
        ),
        charts.bars(
            "Top mentors (completed sessions)",
            [m.name[:18] for m in r.top_mentors],
            [m.sessions for m in r.top_mentors],
            [
                f"{m.sessions}" + (f" ★{m.rating:.1f}" if m.rating is not None else "")
                for m in r.top_mentors
            ],
        ),
        charts.bars(
            "Booked sessions",
            ["went ahead / pending", "cancelled", "no-show"] if r.scheduled else [],
            [booked_other, r.cancelled, r.no_shows],
            [
                f"{booked_other}",
                f"{r.cancelled} · {pct(r.cancelled, r.scheduled)}",
                f"{r.no_shows} · {pct(r.no_shows, r.scheduled)}",
            ],
        ),
        charts.histogram(
            "Minutes from request to answer",
            r.answer_minutes,
            "minutes (dashed: median)",
            median(r.answer_minutes),
        ),
        charts.intervals(
            "Ranking variants: booking conversion",
            [v.variant for v in r.variants],
            [v.booked / v.shown if v.shown else 0.0 for v in r.variants],
            [v.interval[0] for v in r.variants],
            [v.interval[1] for v in r.variants],
            [f"{v.booked}/{v.shown} · {pct(v.booked, v.shown)}" for v in r.variants],
        ),
    ]
    return [Chart(s, a, p) for (s, a), p in zip(texts, pngs, strict=True)]


async def stats_replies(ctx: Ctx, args: str) -> list[Reply]:
    period = (args.split() or ["week"])[0].casefold()
    if period not in PERIODS:
        return [Reply("Usage: `/admin stats [week|month|quarter]`.")]
    report = await ctx.u.analytics.report(period, ctx.deps.policies.currency)
    drawn = await asyncio.to_thread(draw, report)
    head = Reply(
        f"*Stats, last {period}* ({report.since:%d %b} – {report.until:%d %b %Y}, UTC)\n"
        "Exports: `/admin export bookings|payments|people|payouts`."
    )
    return [head, *(Reply(esc(c.summary), image=Image(c.png, c.alt)) for c in drawn)]


def to_csv(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(header)
    out.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode()


async def export_reply(ctx: Ctx, args: str) -> Reply:
    what = (args.split() or [""])[0].casefold()
    if what not in EXPORTS:
        return Reply("Usage: `/admin export " + "|".join(EXPORTS) + "`.")
    header, rows = await ctx.u.exports.rows(what)
    name = f"{what}-{ctx.now:%Y%m%d-%H%M}.csv"
    return Reply(
        f"*{what.capitalize()}*: {len(rows)} row{'s' if len(rows) != 1 else ''} as CSV.",
        attachment=Attachment(name, "text/csv", to_csv(header, rows)),
    )
