"""Turn whatever a user types ("Bangalore", "IST", "UTC+5:30") into a storable zone name.

A zone name is either an IANA key or a fixed offset spelled "UTC+05:30". Fuzzy matches only
auto-resolve when they are unambiguous; otherwise the caller gets options to confirm.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.gazetteer import City, cities_in, cities_named, cities_named_exactly, regions, within


@dataclass(frozen=True)
class TzResolved:
    name: str


@dataclass(frozen=True)
class TzSuggestions:
    options: tuple[str, ...]
    # What each option is called for a person: the place that matched ("Bangalore"), or ""
    # when the zone's own name was the match.
    places: tuple[str, ...] = ()

    def label(self, i: int, at: datetime) -> str:
        """ "Bangalore (UTC+05:30)" rather than "Asia/Kolkata"."""
        place = self.places[i] if i < len(self.places) else ""
        if not place:
            return describe_zone(self.options[i], at)
        return f"{place} ({describe_zone(self.options[i], at).rsplit(' (', 1)[-1]}"


@dataclass(frozen=True)
class TzUnknown:
    text: str


TzResult = TzResolved | TzSuggestions | TzUnknown

ACCEPT_SCORE = 90
ACCEPT_MARGIN = 8
SUGGEST_SCORE = 60
MAX_SUGGESTIONS = 4
# A bare city name is asked about when a namesake in another zone has at least this share
# of the biggest one's population: Birmingham, Alabama (17 % of Birmingham, England) is
# asked; Sydney, Nova Scotia (2 % of Sydney, Australia) is not.
AMBIGUOUS_SHARE = 0.1
# Below this many letters nearly every city is a "close" match, so fuzzy answers are noise.
MIN_FUZZY_LEN = 3

MIN_OFFSET = -12 * 60
MAX_OFFSET = 14 * 60
ALLOWED_MINUTES = frozenset({0, 30, 45})

# Abbreviations beat IANA keys: "EST" is also a fixed-offset IANA zone without DST, which is
# never what a person in New York means.
_ABBREVIATIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "ist": "Asia/Kolkata",
        "india standard time": "Asia/Kolkata",
        "indian standard time": "Asia/Kolkata",
        "india time": "Asia/Kolkata",
        "utc": "UTC",
        "gmt": "UTC",
        "z": "UTC",
        "ut": "UTC",
        "zulu": "UTC",
        "greenwich mean time": "UTC",
        "coordinated universal time": "UTC",
        "pst": "America/Los_Angeles",
        "pdt": "America/Los_Angeles",
        "pt": "America/Los_Angeles",
        "pacific": "America/Los_Angeles",
        "pacific standard time": "America/Los_Angeles",
        "mst": "America/Denver",
        "mdt": "America/Denver",
        "mt": "America/Denver",
        "mountain standard time": "America/Denver",
        "cst": "America/Chicago",
        "cdt": "America/Chicago",
        "ct": "America/Chicago",
        "central standard time": "America/Chicago",
        "est": "America/New_York",
        "edt": "America/New_York",
        "et": "America/New_York",
        "eastern": "America/New_York",
        "eastern standard time": "America/New_York",
        "akst": "America/Anchorage",
        "akdt": "America/Anchorage",
        "hst": "Pacific/Honolulu",
        "nst": "America/St_Johns",
        "ndt": "America/St_Johns",
        "bst": "Europe/London",
        "wet": "Europe/Lisbon",
        "west": "Europe/Lisbon",
        "cet": "Europe/Paris",
        "cest": "Europe/Paris",
        "central european time": "Europe/Paris",
        "eet": "Europe/Athens",
        "eest": "Europe/Athens",
        "msk": "Europe/Moscow",
        "trt": "Europe/Istanbul",
        "gst": "Asia/Dubai",
        "gulf standard time": "Asia/Dubai",
        "pkt": "Asia/Karachi",
        "npt": "Asia/Kathmandu",
        "slst": "Asia/Colombo",
        "ict": "Asia/Bangkok",
        "wib": "Asia/Jakarta",
        "sgt": "Asia/Singapore",
        "myt": "Asia/Kuala_Lumpur",
        "pht": "Asia/Manila",
        "hkt": "Asia/Hong_Kong",
        "jst": "Asia/Tokyo",
        "kst": "Asia/Seoul",
        "awst": "Australia/Perth",
        "acst": "Australia/Adelaide",
        "acdt": "Australia/Adelaide",
        "aest": "Australia/Sydney",
        "aedt": "Australia/Sydney",
        "nzst": "Pacific/Auckland",
        "nzdt": "Pacific/Auckland",
        "sast": "Africa/Johannesburg",
        "wat": "Africa/Lagos",
        "cat": "Africa/Maputo",
        "eat": "Africa/Nairobi",
        "brt": "America/Sao_Paulo",
        "art": "America/Argentina/Buenos_Aires",
    }
)

# Abbreviations shared by far-apart zones: asking beats guessing.
_AMBIGUOUS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "ast": ("America/Halifax", "Asia/Riyadh"),
        "adt": ("America/Halifax",),
    }
)

# Keys outside these areas are legacy aliases ("US/Eastern", "Etc/GMT+5", "Navajo") whose last
# components would only add confusing fuzzy candidates.
_REGIONS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)

_FIXED_NAME = re.compile(r"UTC([+-])(\d{2}):(\d{2})")
_OFFSET = re.compile(
    r"(?P<prefix>utc|gmt)?(?P<sign>[+\-−])?"
    r"(?:(?P<hours>\d{1,2})(?::(?P<minutes>\d{2})|\.(?P<fraction>\d{1,2}))?|(?P<compact>\d{3,4}))"
)
_DECIMAL_MINUTES = MappingProxyType(
    {"0": 0, "00": 0, "25": 15, "5": 30, "50": 30, "75": 45, "30": 30, "45": 45}
)


def _key(text: str) -> str:
    """Comparison form: accents, case, "_"/"-"/punctuation and repeated spaces don't matter."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w/+]|_", " ", plain).split())


@lru_cache(maxsize=1)
def _zone_keys() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _iana_by_key() -> dict[str, str]:
    return {_key(name): name for name in sorted(_zone_keys())}


@lru_cache(maxsize=1)
def _city_names() -> dict[str, str]:
    """City key -> the city as people write it ("bangalore" -> "Bangalore")."""
    raw = resources.files("core").joinpath("data/cities.json").read_text(encoding="utf-8")
    return {_key(city): city.title() if city.islower() else city for city in json.loads(raw)}


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    raw = resources.files("core").joinpath("data/cities.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    return {_key(city): str(zone_name) for city, zone_name in data.items()}


@lru_cache(maxsize=1)
def _current_zones() -> frozenset[str]:
    """Zones tzdata lists per country; leaves out renamed links such as Asia/Calcutta."""
    try:
        raw = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return frozenset(name for name in _zone_keys() if name.split("/")[0] in _REGIONS)
    listed = (line.split("\t") for line in raw.splitlines() if line and line[0] != "#")
    return frozenset(cols[2] for cols in listed if len(cols) > 2) & _zone_keys()


def _by_last_component(names: frozenset[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    # Deeper keys first so "indianapolis" lands on America/Indiana/Indianapolis rather than
    # the legacy America/Indianapolis link.
    for name in sorted(names, key=lambda n: (-n.count("/"), n)):
        parts = name.split("/")
        if len(parts) > 1 and parts[0] in _REGIONS:
            found.setdefault(_key(parts[-1]), name)
    return found


@lru_cache(maxsize=1)
def _last_components() -> dict[str, str]:
    legacy = _by_last_component(_zone_keys())
    return {**legacy, **_by_last_component(_current_zones())}


@lru_cache(maxsize=1)
def _fuzzy_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Parallel tuples (name, zone) to search; cities win over zone components on clashes.

    Legacy links are left out so a typo isn't offered both Asia/Kathmandu and Asia/Katmandu.
    """
    merged = {**_by_last_component(_current_zones()), **_cities()}
    names = tuple(merged)
    return names, tuple(merged[n] for n in names)


def _format_offset(total_minutes: int) -> str:
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _parse_offset(text: str) -> TzResult | None:
    """None when the text isn't shaped like an offset at all, so name lookup can continue."""
    compact = "".join(text.casefold().split())
    m = _OFFSET.fullmatch(compact)
    if m is None or (m["prefix"] is None and m["sign"] is None):
        return None
    if m["compact"] is not None:
        digits = m["compact"]
        hours, minutes = int(digits[:-2]), int(digits[-2:])
    else:
        hours = int(m["hours"])
        if m["minutes"] is not None:
            minutes = int(m["minutes"])
        elif m["fraction"] is not None:
            if m["fraction"] not in _DECIMAL_MINUTES:
                return TzUnknown(text)
            minutes = _DECIMAL_MINUTES[m["fraction"]]
        else:
            minutes = 0
    total = hours * 60 + minutes
    if m["sign"] in ("-", "−"):
        total = -total
    if minutes not in ALLOWED_MINUTES or not MIN_OFFSET <= total <= MAX_OFFSET:
        return TzUnknown(text)
    return TzResolved(_format_offset(total))


def _exact(key: str) -> str | None:
    for table in (_ABBREVIATIONS, _iana_by_key(), _cities(), _last_components()):
        if key in table:
            return table[key]
    return None


def _fuzzy(text: str, key: str) -> TzResult:
    letters = sum(ch.isalpha() for ch in key)
    if letters < MIN_FUZZY_LEN or any(ch.isdigit() for ch in key):
        return TzUnknown(text)
    names, zones = _fuzzy_names()
    # OSA (edits incl. transpositions) rather than fuzz.ratio: ratio's LCS scoring rates
    # made-up words like "Atlantis" ~62 against "Mazatlan", which would offer nonsense.
    hits = process.extract(
        key, names, scorer=OSA.normalized_similarity, limit=40, score_cutoff=SUGGEST_SCORE / 100
    )
    best: dict[str, float] = {}
    place: dict[str, str] = {}
    cities = _city_names()
    for name, similarity, index in hits:
        zone_name = zones[index]
        if similarity * 100 > best.get(zone_name, 0.0):
            best[zone_name] = similarity * 100
            place[zone_name] = cities.get(name, "")
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked:
        return TzUnknown(text)
    top_zone, top_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top_score >= ACCEPT_SCORE and top_score - runner_up >= ACCEPT_MARGIN:
        return TzResolved(top_zone)
    top = [z for z, _ in ranked[:MAX_SUGGESTIONS]]
    return TzSuggestions(tuple(top), tuple(place.get(z, "") for z in top))


def _by_zone(cities: Iterable[City]) -> list[City]:
    """The biggest city of each zone, biggest first."""
    seen: dict[str, City] = {}
    for c in sorted(cities, key=lambda c: -c.population):
        seen.setdefault(c.zone, c)
    return list(seen.values())


def _choose(cities: Iterable[City], *, name_places: bool = True) -> TzResult:
    firsts = _by_zone(cities)
    if not firsts:
        return TzUnknown("")
    if len(firsts) == 1:
        return TzResolved(firsts[0].zone)
    top = firsts[:MAX_SUGGESTIONS]
    return TzSuggestions(
        tuple(c.zone for c in top), tuple(c.label() if name_places else "" for c in top)
    )


def _unless_ambiguous(text: str, found: str) -> TzResult:
    """A bare city name resolves as it always did, unless another city of that name in
    another zone is big enough to be the one meant ("Birmingham": England or Alabama)."""
    firsts = _by_zone(cities_named_exactly(text))
    rivals = [c for c in firsts if c.population >= AMBIGUOUS_SHARE * firsts[0].population]
    if len(rivals) < 2 or found not in {c.zone for c in rivals}:
        return TzResolved(found)
    return _choose(rivals)


def _qualified(text: str) -> TzResult | None:
    """ "City, region[, country]" with at least one region we know; None otherwise."""
    city, *rest = (part.strip() for part in text.split(","))
    known = [r for r in (regions(q) for q in rest if q) if r]
    if not known or not city:
        return None
    candidates = list(cities_named(city))
    for meant in known:
        candidates = [c for c in candidates if any(within(c, r) for r in meant)]
    if candidates:
        return _choose(candidates)
    # A town the gazetteer doesn't list: the zone(s) of the region it is in.
    most_specific = min(known, key=lambda meant: all(admin1 is None for _, admin1 in meant))
    around = [c for r in most_specific for c in cities_in(r)]
    for meant in known:
        around = [c for c in around if any(within(c, r) for r in meant)]
    return _choose(around, name_places=False) if around else None


def resolve_timezone(text: str) -> TzResolved | TzSuggestions | TzUnknown:
    """Resolve a city, IANA key, abbreviation or UTC offset; never silently guess a typo."""
    stripped = text.strip()
    if not stripped:
        return TzUnknown(text)
    offset = _parse_offset(stripped)
    if offset is not None:
        return offset
    key = _key(stripped)
    if key in _AMBIGUOUS:
        return TzSuggestions(_AMBIGUOUS[key])
    found = _exact(key)
    if found is not None:
        if key in _ABBREVIATIONS or key in _iana_by_key():
            return TzResolved(found)
        return _unless_ambiguous(stripped, found)
    if "," in stripped:
        # "Birmingham, AL", "Hyderabad, Pakistan": the city inside the region named.
        qualified = _qualified(stripped)
        if qualified is not None:
            return qualified
        # "Koramangala, Bangalore": the first part that names a place wins.
        parts = stripped.split(",")
        for part in parts:
            found = _exact(_key(part))
            if found is not None:
                return TzResolved(found)
        key = _key(parts[0])
    return _fuzzy(text, key)


def _fixed_offset(name: str) -> timedelta | None:
    m = _FIXED_NAME.fullmatch(name)
    if m is None:
        return None
    hours, minutes = int(m[2]), int(m[3])
    total = hours * 60 + minutes
    if m[1] == "-":
        total = -total
    if minutes not in ALLOWED_MINUTES or not MIN_OFFSET <= total <= MAX_OFFSET:
        return None
    return timedelta(minutes=total)


def zone(name: str) -> tzinfo:
    """The tzinfo for a stored zone name; ValueError if the name isn't one we produce."""
    offset = _fixed_offset(name)
    if offset is not None:
        return timezone(offset)
    if name not in _zone_keys():
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def describe_zone(name: str, at: datetime) -> str:
    """ "Asia/Kolkata (UTC+05:30)", with the offset in force at `at` (naive means UTC)."""
    tz = zone(name)
    if _fixed_offset(name) is not None:
        return name
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    offset = moment.astimezone(tz).utcoffset() or timedelta(0)
    return f"{name} ({_format_offset(int(offset.total_seconds()) // 60)})"
