"""English passages written from territory facts: three per territory, plus distractor passages.

Each territory gets a *profile* (ISO codes, official name, currencies), a *languages* passage (CLDR
population shares, official status, scripts), a *time* passage (IANA zones and their exemplar cities) and
a *names* passage (its CLDR name in the seven languages, which states no answer but matches the question's
script: the hardest negative). The first three name the territory and several other territories of the same IANA area, so that passages about
one territory, and passages about its neighbours in the list, are hard negatives for one another.
Distractor passages are written about currencies, languages and groups of time zones; they mention many
territories and may state answers (then they count as gold: every passage that states the answer does).

Every sentence is a statement of the data it was written from; nothing is invented. Templates come in a
few variants so that passages do not all share one surface form; the variant is drawn from the caller's
seeded ``random.Random``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from xqg.embedded_benchmark.facts import AREA_NAMES, Currency, TerritoryFacts
from xqg.languages import LANGUAGE_INFO, LANGUAGES

__all__ = ["PassageDraft", "territory_passages", "distractor_pool", "format_percent", "join_names"]

# How many other territories of the same area a territory passage names.
PEERS_PER_PASSAGE = 4
# How many entries a distractor passage lists before "and N others".
MAX_LISTED = 8
ZONES_PER_GROUP = 5


@dataclass(frozen=True)
class PassageDraft:
    kind: str  # profile | languages | time | names | currency | language | zones
    title: str
    text: str
    territory: str | None  # alpha-2 code of the territory a territory passage is about


def join_names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C" (no serial comma)."""
    names = list(names)
    if not names:
        raise ValueError("join_names needs at least one name")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_percent(value: float) -> str:
    """94.0 -> "94%", 0.81 -> "0.81%", 4.1 -> "4.1%": two significant digits below 10."""
    if value >= 10:
        return f"{value:.0f}%"
    return f"{value:.2g}%"


def _listed(names: Sequence[str], noun: tuple[str, str] = ("territory", "territories")) -> str:
    """Up to MAX_LISTED names, then "and N other <noun>"; ``noun`` is (singular, plural)."""
    if len(names) <= MAX_LISTED:
        return join_names(names)
    rest = len(names) - MAX_LISTED
    return ", ".join(names[:MAX_LISTED]) + f" and {rest} other {noun[0] if rest == 1 else noun[1]}"


def _currency(c: Currency) -> str:
    return f"the {c.name} ({c.code})"


def _area_phrase(t: TerritoryFacts) -> str:
    return AREA_NAMES[t.area] if t.area else "no single area"


def _profile(t: TerritoryFacts, peers: Sequence[str], rng: random.Random) -> str:
    if t.official_name and t.official_name != t.name:
        opening = rng.choice([
            f"{t.name}, officially the {t.official_name}, is listed in ISO 3166-1",
            f"The {t.official_name}, usually called {t.name}, appears in ISO 3166-1",
        ])
    else:
        opening = rng.choice([f"{t.name} is listed in ISO 3166-1", f"The territory of {t.name} appears in ISO 3166-1"])
    sentences = [f"{opening} with the alpha-2 code {t.code}, the alpha-3 code {t.alpha_3} and the numeric code {t.numeric}."]
    if t.native_name and t.native_name != t.name and t.languages:
        sentences.append(f"In {t.languages[0].name} its own name is written {t.native_name}.")
    current = t.current_currencies
    if len(current) == 1:
        c = current[0]
        since = f", in use there since {c.start_year}" if c.start_year else ""
        sentences.append(rng.choice([
            f"Its legal tender is {_currency(c)}{since}.",
            f"Payments in {t.name} are made in {_currency(c)}{since}.",
        ]))
    elif current:
        sentences.append(f"Legal tender in {t.name} includes {join_names([_currency(c) for c in current])}.")
    else:
        sentences.append(f"CLDR records no current legal tender for {t.name}.")
    former = [f"{_currency(c)} until {c.end_year}" for c in t.former_currencies[:3]]
    if former:
        sentences.append(f"Earlier, {t.name} used {join_names(former)}.")
    if peers:
        sentences.append(rng.choice([
            f"Like {join_names(peers)}, it is grouped under {_area_phrase(t)} in the time-zone database.",
            f"Other territories grouped under {_area_phrase(t)} include {join_names(peers)}.",
        ]))
    return " ".join(sentences)


def _languages(t: TerritoryFacts, peers: Sequence[str], rng: random.Random) -> str:
    shares = [s for s in t.languages if s.population_percent > 0]
    sentences: list[str] = []
    if shares:
        first = shares[0]
        sentences.append(rng.choice([
            f"By CLDR's population estimates, the most widely spoken language in {t.name} is {first.name}, "
            f"used by about {format_percent(first.population_percent)} of the population.",
            f"{first.name} is the language spoken by the largest share of people in {t.name}: about "
            f"{format_percent(first.population_percent)}, according to CLDR.",
        ]))
        others = [f"{s.name} ({format_percent(s.population_percent)})" for s in shares[1:4]]
        if others:
            sentences.append(f"It is followed by {join_names(others)}.")
        if first.script:
            sentences.append(f"{first.name} is usually written in the {first.script} script.")
    else:
        sentences.append(f"CLDR gives no language population figures for {t.name}.")
    official = [s.name for s in t.languages if s.official_status in ("official", "de_facto_official")]
    regional = [s.name for s in t.languages if s.official_status == "official_regional"]
    if official:
        sentences.append(f"Official status at national level: {join_names(official[:5])}.")
    else:
        sentences.append(f"No language has national official status in {t.name} in CLDR's data.")
    if regional:
        sentences.append(f"Regional official status: {join_names(regional[:5])}.")
    sentences.append("The shares count second-language speakers too, so they can add up to more than 100%.")
    if peers:
        sentences.append(f"CLDR keeps comparable figures for {join_names(peers)}.")
    return " ".join(sentences)


def _time(t: TerritoryFacts, peers: Sequence[str], rng: random.Random) -> str:
    sentences: list[str] = []
    if len(t.zones) == 1:
        z = t.zones[0]
        sentences.append(rng.choice([
            f"{t.name} keeps a single time zone, {z.zone}, named after the city of {z.city}.",
            f"All of {t.name} is covered by one time zone, {z.zone}; its exemplar city is {z.city}.",
        ]))
    elif t.zones:
        cities = [z.city for z in t.zones]
        named_after = _listed(cities, ("city", "cities"))
        sentences.append(f"{t.name} spans {len(t.zones)} time zones in the IANA database, named after {named_after}.")
    else:
        sentences.append(f"CLDR lists no time zone for {t.name}.")
    if t.area:
        sentences.append(
            f"A zone identifier joins an area, here {t.area}, to a city that stands for everyone keeping the same clock."
        )
    if t.languages:
        sentences.append(f"Dates and times in {t.name} are usually shown following CLDR's conventions for {t.languages[0].name}.")
    if peers:
        sentences.append(rng.choice([
            f"Nearby entries under the same area include {join_names(peers)}.",
            f"The same area also holds the zones of {join_names(peers)}.",
        ]))
    sentences.append(f"Its ISO 3166-1 alpha-2 code, {t.code}, is what CLDR uses to link {t.name} with these zones.")
    return " ".join(sentences)


def _names(t: TerritoryFacts) -> str:
    """The territory's name in the seven languages: a hard negative that matches a question's script but
    states none of the answers (as a Wikipedia page's interlanguage links would)."""
    translations = join_names([f"{t.names[lang]} in {LANGUAGE_INFO[lang].name}" for lang in LANGUAGES])
    sentences = [
        f"{t.name} is known by different names in different languages.",
        f"The Unicode Common Locale Data Repository (CLDR) gives its name as {translations}.",
    ]
    if t.native_name and t.native_name != t.name:  # the language is not named: it may be an answer
        sentences.append(f"In its most widely spoken language it is called {t.native_name}.")
    sentences.append(
        f"Software uses these translations to display {t.name} in menus, maps, address forms and calendars, "
        f"so that a reader sees the name in the language of the interface."
    )
    return " ".join(sentences)


def territory_passages(t: TerritoryFacts, peers: Sequence[TerritoryFacts], rng: random.Random) -> list[PassageDraft]:
    """The profile, languages, time and names passages of one territory; ``peers``: other territories to name."""
    drafts = []
    for kind, writer in (("profile", _profile), ("languages", _languages), ("time", _time)):
        chosen = [p.name for p in rng.sample(list(peers), min(PEERS_PER_PASSAGE, len(peers)))]
        drafts.append(PassageDraft(kind, t.name, writer(t, chosen, rng), t.code))
    drafts.append(PassageDraft("names", t.name, _names(t), t.code))
    return drafts


def distractor_pool(territories: Sequence[TerritoryFacts]) -> list[PassageDraft]:
    """Passages about currencies, languages and groups of time zones, in a fixed order."""
    by_name = {t.code: t.name for t in territories}
    currency_users: dict[tuple[str, str], list[str]] = defaultdict(list)
    language_users: dict[str, list[tuple[float, str, str | None, str | None]]] = defaultdict(list)
    zones_by_area: dict[str, list[str]] = defaultdict(list)
    for t in territories:
        for c in t.currencies:
            span = f"since {c.start_year}" if c.end_year is None else f"until {c.end_year}"
            currency_users[(c.code, c.name)].append(f"{t.name} ({span})" if c.start_year or c.end_year else t.name)
        for s in t.languages:
            language_users[s.name].append((s.population_percent, t.name, s.official_status, s.script))
        for z in t.zones:
            zones_by_area[z.zone.split("/", 1)[0]].append(f"{z.zone}, named after {z.city} ({by_name[t.code]})")

    pool: list[PassageDraft] = []
    for (code, name), users in sorted(currency_users.items()):
        text = (
            f"The {name} ({code}) is a currency in CLDR's territory data. Territories recorded as using it, with the "
            f"years CLDR gives, are {_listed(users)}. Currency codes follow ISO 4217: the first two letters usually "
            f"repeat a territory code and the third names the unit. A currency can serve several territories, and a "
            f"territory can change its currency; CLDR keeps both the current and the former tender."
        )
        pool.append(PassageDraft("currency", name, text, None))
    for language, users in sorted(language_users.items()):
        users.sort(key=lambda u: (-u[0], u[1]))
        spoken = [f"{format_percent(p)} of people in {where}" for p, where, _, _ in users if p > 0]
        official = [where for _, where, status, _ in users if status in ("official", "de_facto_official")]
        script = users[0][3]
        sentences = [f"{language} is a language in CLDR's territory data" + (f", usually written in the {script} script." if script else ".")]
        if spoken:
            sentences.append(f"CLDR estimates that it is spoken by {_listed(spoken)}.")
        sentences.append(
            f"It has national official status in {_listed(official)}." if official
            else "It has national official status in no territory in CLDR's data."
        )
        sentences.append("These estimates include second-language speakers and come from censuses and surveys of different years.")
        pool.append(PassageDraft("language", language, " ".join(sentences), None))
    for area, entries in sorted(zones_by_area.items()):
        for start in range(0, len(entries), ZONES_PER_GROUP):
            group = entries[start:start + ZONES_PER_GROUP]
            title = f"Time zones of {AREA_NAMES.get(area, area)} ({start // ZONES_PER_GROUP + 1})"
            text = (
                f"The IANA time-zone database names each zone after an area and an exemplar city. Zones listed under "
                f"{area} include {'; '.join(group)}. The exemplar city stands for every place that keeps the same "
                f"clock, and CLDR translates these city names for display."
            )
            pool.append(PassageDraft("zones", title, text, None))
    return pool
