"""The subject's registries: every actor, partner and trade series declared once.

Everything else derives from these tables: the parameter vocabularies in `analysis.params`
(`compare_with`, `trade_series`), the chart colours in `analysis.charts`, the names in
sentences, the series handled by `analysis.trade` and `analysis.outlook`. A new trade series
is a data edit (rows in data/trade.csv, a line in data/README.md) plus one `Series` entry
here; a new comparison partner is one `Actor` entry with `comparable=True`.

Colours are the Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), one fixed colour
per partner and per series so a partner or a series looks the same in every chart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#767676"


@dataclass(frozen=True)
class Actor:
    """An actor of the events table (`actor_a`, `actor_b`)."""

    code: str
    name: str  # as a label: "United States"
    in_sentence: str  # inside a sentence: "the United States"
    capital: str = ""  # "Beijing": how the brief names the government in signal sentences
    adjective: str = ""  # "Chinese": a visitor's nationality in a sentence
    colour: str = GREY
    comparable: bool = False  # may be chosen as `compare_with`
    aliases: tuple[str, ...] = ()  # other spellings accepted for `compare_with`


@dataclass(frozen=True)
class Series:
    """A trade statistic of data/trade.csv (`series`), for the partners that report it."""

    code: str
    partners: tuple[str, ...]
    label: str  # names the series in a sentence: "China's customs (GACC)"
    short: str  # in charts and facts: "GACC"
    colour: str = GREY
    lead: bool = False  # may be chosen as the lead China series (`trade_series`)
    caveat: str = ""  # what a reader must know before comparing it with another series
    adds_crude_estimate: bool = False  # includes an estimate of Chinese pipeline crude
    monthly: bool = False  # the source also publishes monthly figures
    # "customs": a partner's own customs record; "reconstruction": North Korea's trade
    # rebuilt from partner data (it also gives each partner's share); "" for the rest.
    role: str = ""


# Date precision of `YYYY`, `YYYY-MM`, `YYYY-MM-DD` dates: how many characters each keeps.
PRECISIONS = {"year": 4, "month": 7, "day": 10}

SUBJECT = "PRK"
CHINA = "CHN"
UNSC = "UNSC"

ACTORS: dict[str, Actor] = {
    a.code: a
    for a in (
        Actor("CHN", "China", "China", "Beijing", "Chinese", OKABE_ITO["vermillion"]),
        Actor("PRK", "North Korea", "North Korea", "Pyongyang", "North Korean", OKABE_ITO["black"]),
        Actor(
            "RUS",
            "Russia",
            "Russia",
            "Moscow",
            "Russian",
            OKABE_ITO["blue"],
            comparable=True,
            aliases=("russia", "rus", "russian federation"),
        ),
        Actor(
            "USA",
            "United States",
            "the United States",
            "Washington",
            "American",
            OKABE_ITO["bluish_green"],
            comparable=True,
            aliases=("united states", "united-states", "us", "usa"),
        ),
        Actor(
            "KOR",
            "South Korea",
            "South Korea",
            "Seoul",
            "South Korean",
            OKABE_ITO["reddish_purple"],
            comparable=True,
            aliases=("south korea", "south-korea", "kor", "rok"),
        ),
        Actor("UNSC", "UN Security Council", "the UN Security Council", "New York", "Council"),
    )
}

SERIES: dict[str, Series] = {
    s.code: s
    for s in (
        Series(
            "GACC",
            ("CHN",),
            "China's customs (GACC)",
            "GACC",
            OKABE_ITO["vermillion"],
            lead=True,
            caveat="China's own customs record; it has shown no crude oil since 2014.",
            monthly=True,
            role="customs",
        ),
        Series(
            "KOTRA",
            ("CHN", "RUS"),
            "KOTRA's reconstruction of North Korea's trade",
            "KOTRA",
            OKABE_ITO["blue"],
            lead=True,
            caveat="South Korea's reconstruction from partner statistics, with an estimate of "
            "Chinese crude oil added.",
            adds_crude_estimate=True,
            role="reconstruction",
        ),
        Series(
            "KITA",
            ("CHN",),
            "the Korea International Trade Association's compilation of GACC data",
            "KITA",
            OKABE_ITO["sky_blue"],
        ),
        Series("RUS-FCS", ("RUS",), "Russian customs", "Russian customs", OKABE_ITO["blue"]),
        Series("ITC", ("RUS",), "ITC Trade Map", "ITC Trade Map", OKABE_ITO["sky_blue"]),
        Series(
            "RUS-OFFICIAL",
            ("RUS",),
            "Russian officials",
            "Russian officials",
            OKABE_ITO["bluish_green"],
            caveat="A figure stated by an official, not a customs release.",
        ),
        Series(
            "RUS-ESTIMATE",
            ("RUS",),
            "a Russian industry estimate",
            "industry estimate",
            OKABE_ITO["orange"],
            caveat="An industry association's estimate, not customs data.",
        ),
    )
}

# Default parameter values live with the vocabularies they come from.
DEFAULT_PARTNER = "RUS"
DEFAULT_SERIES = "GACC"


@dataclass(frozen=True)
class Category:
    """A CSIS provocation category shown in the security chart."""

    code: str
    label: str
    colour: str


CATEGORIES: dict[str, Category] = {
    c.code: c
    for c in (
        Category("missile", "missile event", OKABE_ITO["orange"]),
        Category("nuclear", "nuclear test", OKABE_ITO["vermillion"]),
        Category("other", "other provocation", OKABE_ITO["sky_blue"]),
    )
}


def _translated(kind: str, code: str, field: str, english: str) -> str:
    """A registry word in the language being written: English here, another language's
    from its catalogue (`names.<kind>.<code>.<field>`, e.g. names.actor.CHN.name = 중국)."""
    from analysis import text

    if text.current_language() == text.DEFAULT_LANG:
        return english
    return text.say(f"names.{kind}.{code.replace('-', '_')}.{field}")


def actor(code: str) -> Actor:
    """The actor, its words in the language being written."""
    found = ACTORS[code]
    words = {
        f: _translated("actor", code, f, getattr(found, f))
        for f in ("name", "in_sentence", "capital", "adjective")
    }
    return replace(found, **words)


def name(code: str) -> str:
    """An actor's label ('United States'); an unknown code is shown as it is."""
    return actor(code).name if code in ACTORS else code


def in_sentence(code: str) -> str:
    """An actor as it reads inside a sentence ('the United States')."""
    return actor(code).in_sentence if code in ACTORS else code


def comparable() -> tuple[str, ...]:
    """Codes that may be chosen as the comparison partner, in declaration order."""
    return tuple(a.code for a in ACTORS.values() if a.comparable)


def lead_series() -> tuple[str, ...]:
    """Codes that may be chosen as the lead China–North Korea series."""
    return tuple(s.code for s in SERIES.values() if s.lead)


def series_for(partner: str) -> tuple[str, ...]:
    """The series codes data/trade.csv may carry for `partner`."""
    return tuple(s.code for s in SERIES.values() if partner in s.partners)


def comparison_series(lead: str) -> tuple[str, ...]:
    """The other lead-able China series shown beside `lead` (never merged with it)."""
    return tuple(code for code in lead_series() if code != lead)


def series_with_role(role: str, partner: str = CHINA) -> str:
    """The code of `partner`'s series with that role ('customs' -> 'GACC' for China)."""
    for s in SERIES.values():
        if s.role == role and partner in s.partners:
            return s.code
    raise KeyError(f"no {role} series for {partner} in the registry")


def series_label(code: str) -> str:
    """How a series reads in a sentence; an unknown code is shown as it is."""
    if code not in SERIES:
        return code
    return _translated("series", code, "label", SERIES[code].label)


def partner_alias(value: str) -> str:
    """A partner as a user may type it ('Russia', 'rok', 'usa') -> its code ('RUS', …)."""
    text = value.strip().lower()
    for a in ACTORS.values():
        if a.comparable and (text == a.code.lower() or text in a.aliases):
            return a.code
    return value.strip().upper()


def partner_colours() -> dict[str, str]:
    """Chart colour per actor label in every language ('China', '중국' -> vermillion)."""
    from analysis import text

    colours = {}
    for lang in text.languages():
        with text.language(lang):
            try:
                colours.update({name(code): a.colour for code, a in ACTORS.items()})
            except text.TextError:
                # A name missing from that language's catalogue must not break the others:
                # its chart fails when written, and that edition refuses to assemble.
                continue
    return colours


def series_colours() -> dict[str, str]:
    return {s.code: s.colour for s in SERIES.values()}


def category_colours() -> dict[str, str]:
    return {c.code: c.colour for c in CATEGORIES.values()}
