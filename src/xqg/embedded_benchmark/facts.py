"""Facts about territories, read from CLDR (through babel) and ISO 3166 (through pycountry).

Everything here is a pure read of data shipped inside the two PyPI packages: no network, no randomness.
The territories are ISO 3166-1's (pycountry's 249); their names in the seven XOR-TyDi languages come from
CLDR's localised territory names (``babel.Locale(lang).territories``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import babel
import babel.dates
import pycountry
from babel.core import get_global

from xqg.languages import LANGUAGES

__all__ = ["Currency", "LanguageShare", "TimeZone", "TerritoryFacts", "load_territory_facts", "known_names"]


@dataclass(frozen=True)
class Currency:
    code: str  # ISO 4217
    name: str  # English CLDR name, e.g. "Japanese Yen"
    start_year: int | None
    end_year: int | None  # None: still in use


@dataclass(frozen=True)
class LanguageShare:
    code: str
    name: str  # English CLDR name
    population_percent: float  # CLDR's estimate; counts second-language speakers too
    official_status: str | None  # "official", "official_regional", "de_facto_official" or None
    script: str | None  # English name of the script CLDR's likely subtags give the language


@dataclass(frozen=True)
class TimeZone:
    zone: str  # IANA id, e.g. "Europe/Helsinki"
    city: str  # CLDR exemplar city in English, e.g. "Helsinki"


@dataclass(frozen=True)
class TerritoryFacts:
    code: str  # ISO 3166-1 alpha-2
    name: str  # English CLDR name
    names: dict[str, str]  # XOR-TyDi language -> CLDR name in that language
    alpha_3: str
    numeric: str
    official_name: str | None  # pycountry's official name; None when ISO gives none
    currencies: tuple[Currency, ...]  # current legal tender first, then former currencies, newest first
    languages: tuple[LanguageShare, ...]  # by population share, largest first
    zones: tuple[TimeZone, ...]
    area: str | None  # the IANA area of the first zone ("Europe", "Africa", ...): a stand-in for a region
    native_name: str | None  # the territory's name in its most widely spoken language, when CLDR has it

    @property
    def current_currencies(self) -> tuple[Currency, ...]:
        return tuple(c for c in self.currencies if c.end_year is None)

    @property
    def former_currencies(self) -> tuple[Currency, ...]:
        return tuple(c for c in self.currencies if c.end_year is not None)


# The IANA areas read as region names in English prose.
AREA_NAMES = {
    "Africa": "Africa",
    "America": "the Americas",
    "Antarctica": "Antarctica",
    "Arctic": "the Arctic",
    "Asia": "Asia",
    "Atlantic": "the Atlantic",
    "Australia": "Australia",
    "Europe": "Europe",
    "Indian": "the Indian Ocean",
    "Pacific": "the Pacific",
}


@functools.cache
def _locale(code: str) -> babel.Locale:
    return babel.Locale.parse(code)


def _script_of(language: str) -> str | None:
    """English name of the script CLDR's likely subtags give ``language`` (e.g. fi -> Latin)."""
    likely = get_global("likely_subtags").get(language)
    if not likely:
        return None
    parts = likely.split("_")
    script = next((p for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    return _locale("en").scripts.get(script) if script else None


def _currencies(code: str) -> tuple[Currency, ...]:
    english = _locale("en").currencies
    entries = []
    for currency, start, end, tender in get_global("territory_currencies").get(code, []):
        if not tender or currency not in english:
            continue
        entries.append(Currency(currency, english[currency], start[0] if start else None, end[0] if end else None))
    current = sorted((c for c in entries if c.end_year is None), key=lambda c: c.code)
    former = sorted((c for c in entries if c.end_year is not None), key=lambda c: (-c.end_year, c.code))
    return tuple(current + former)


def _languages(code: str) -> tuple[LanguageShare, ...]:
    english = _locale("en").languages
    shares = []
    for language, info in get_global("territory_languages").get(code, {}).items():
        if language not in english or "_" in language or language == "und":  # skip script variants, "Unknown"
            continue
        shares.append(
            LanguageShare(language, english[language], float(info.get("population_percent") or 0.0),
                          info.get("official_status"), _script_of(language))
        )
    return tuple(sorted(shares, key=lambda s: (-s.population_percent, s.code)))


def _zones(code: str) -> tuple[TimeZone, ...]:
    zones = []
    for zone in get_global("territory_zones").get(code, []):
        try:
            city = babel.dates.get_timezone_location(zone, locale="en", return_city=True)
        except LookupError:  # a zone the installed tz database lacks; CLDR may list newer ones
            continue
        zones.append(TimeZone(zone, city))
    return tuple(zones)


def _native_name(code: str, languages: tuple[LanguageShare, ...]) -> str | None:
    if not languages or languages[0].code == "en":
        return None
    try:
        return _locale(languages[0].code).territories.get(code)
    except (babel.UnknownLocaleError, ValueError):
        return None


@functools.cache
def load_territory_facts() -> tuple[TerritoryFacts, ...]:
    """All ISO 3166-1 territories that CLDR names in English and in all seven languages, by alpha-2 code."""
    facts = []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        code = country.alpha_2
        english = _locale("en").territories.get(code)
        names = {lang: _locale(lang).territories.get(code) for lang in LANGUAGES}
        if not english or not all(names.values()):
            continue
        languages = _languages(code)
        zones = _zones(code)
        area = zones[0].zone.split("/", 1)[0] if zones else None
        facts.append(
            TerritoryFacts(
                code=code,
                name=english,
                names=names,
                alpha_3=country.alpha_3,
                numeric=country.numeric,
                official_name=getattr(country, "official_name", None),
                currencies=_currencies(code),
                languages=languages,
                zones=zones,
                area=area if area in AREA_NAMES else None,
                native_name=_native_name(code, languages),
            )
        )
    return tuple(facts)


@functools.cache
def known_names() -> frozenset[str]:
    """Every name the passages can contain: English CLDR names of territories, languages, currencies and
    scripts, exemplar cities, official names, and territory names in the seven languages and native ones.

    Used to reject answers that are part of a longer name ("Guinea" in "Papua New Guinea", "Saint-Pierre"
    in the Finnish "Saint-Pierre ja Miquelon").
    """
    en = _locale("en")
    names = set(en.territories.values()) | set(en.languages.values()) | set(en.currencies.values())
    names |= set(en.scripts.values())
    for facts in load_territory_facts():
        names |= {z.city for z in facts.zones} | set(facts.names.values())
        names |= {n for n in (facts.official_name, facts.native_name) if n}
    return frozenset(names)
