"""The assessment: a transparent model of where China–North Korea relations stand.

A handful of named indicators, each computed from the as-of data over a stated window and
scored on one scale (-1 = the evidence points to cooling, +1 = to warming, 0 = neither),
each with a documented weight. Their weighted mean is the edition's *level*; the change of
that level over the last three months (the same model run on the same as-of data, with
every window ending three months earlier) is its *momentum*. The state of the relationship
comes from both (warming and cooling are movements, so momentum counts), the confidence
from how much of the model had data and how far the indicators agree.

What an event says about the relationship is not decided here: it is the `signal` and
`signal_partner` coding of each row of `events.csv`, by the rule written in data/README.md.
Nothing in this module depends on a calendar date other than `as_of` and `start`.
docs/STYLE.md lists the indicators, windows and weights for readers of the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analysis import data, narrative, registry
from analysis.text import join, say, span

SUBJECT = "PRK"
CHINA = "CHN"

# ------------------------------------------------------------------------------ windows
QUARTER = 91  # days: "the last three months"
HALF = 182  # days: "the last six months"
YEAR = 365  # days: "the last twelve months"

# Points per exchange (one trip counts once) by the rank of its highest participant.
CONTACT_POINTS = {"leader": 2.0, "senior": 1.0, "official": 0.0}
# In the signal balance an official delegation still says something, less than a minister.
SIGNAL_POINTS = {"leader": 2.0, "senior": 1.0, "official": 0.5}
EXCHANGE_TYPES = ("summit", "visit")
# The anniversaries both sides use to send messages, with the day they fall on. An event
# within ANNIVERSARY_DAYS of one (a message, an attendance, a silence) is read as its
# treatment. Calendar facts of the relationship, not judgements.
ANNIVERSARIES = {
    (7, 11): "treaty",
    (7, 27): "armistice",
    (9, 9): "state_founding",
    (10, 6): "diplomatic_ties",
    (10, 10): "party_founding",
    (10, 25): "chinese_entry",
}
ANNIVERSARY_DAYS = 3
# Watch-list items that record contact rather than a costly step (counted under contact).
CONTACT_ITEMS = frozenset({"kim-visit-china", "senior-chinese-at-anniversaries"})
STATUS_POINTS = {"moved": 1.0, "signs_of_movement": 0.5, "reversed": -1.0, "no_movement": 0.0}
TRADE_FULL_SCALE = 40.0  # a 40% change in the lead series scores the full +1 or -1

# ---------------------------------------------------------------------------- thresholds
STATE_THRESHOLD = 0.12  # |score| at or above it: warming or cooling; below: steady
# Warming and cooling are movements: the score is half where the indicators stand (the
# level) and half where the signals are heading (the momentum).
MOMENTUM_SHARE = 0.5
FLOW_FLOOR = 4.0  # momentum's scale never below this many points: one event is not a trend
DIRECTION_THRESHOLD = 0.34  # |momentum| at or above it: improving or deteriorating
OPPOSED_LEVEL = 0.1  # a level this far on the other side of zero makes confidence low
STATES = ("warming", "steady", "cooling")
DIRECTIONS = ("improving", "holding", "deteriorating")
CONFIDENCE = ("high", "moderate", "low")


# -------------------------------------------------------------------------------- events
def _period_end(date: str, precision: str) -> pd.Timestamp:
    start = pd.Timestamp(str(date) + {"year": "-01-01", "month": "-01"}.get(precision, ""))
    if precision == "year":
        return start + pd.offsets.YearEnd(0)
    if precision == "month":
        return start + pd.offsets.MonthEnd(0)
    return start


@data.by_frame()
def signal_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events with the columns the model reads, one row per trip for exchanges (kept by the
    events' content: every indicator, table and section asks).

    `at` is the day the event is known to have happened by: the date itself, or for a
    month- or year-precision row the end of that period (no later than its publication).
    Rows of one trip (`trip_id`) collapse into the first, with the trip's highest level.
    """
    cols = ["event_id", "date", "date_precision", "published", "actor_a", "actor_b"]
    cols += ["event_type", "description", "signal", "signal_partner", "level", "trip_id"]
    cols += ["denuclearization", "source_id", "confidence"]
    frame = events.reindex(columns=cols).copy()
    for col in ("signal", "signal_partner", "level", "trip_id", "denuclearization", "actor_b"):
        frame[col] = frame[col].fillna("").astype(str)
    if frame.empty:
        frame["at"] = pd.Series(dtype="datetime64[ns]")
        frame["trip"] = pd.Series(dtype="object")
        return frame
    ends = [_period_end(d, p) for d, p in zip(frame["date"], frame["date_precision"], strict=True)]
    frame["at"] = pd.to_datetime(
        [min(e, pub) for e, pub in zip(ends, frame["published"], strict=True)]
    )
    frame["trip"] = frame["trip_id"].where(frame["trip_id"] != "", frame["event_id"])
    frame = frame.sort_values(["at", "event_id"], kind="stable")
    # The trip's highest level, by rank (one grouped max, not a Python call per trip).
    levels = ("official", "senior", "leader")
    rank = frame["level"].map({lvl: i for i, lvl in enumerate(levels)}).fillna(-1)
    best = rank.groupby(frame["trip"]).max().map(lambda r: levels[int(r)] if r >= 0 else "")
    first = frame.drop_duplicates("trip", keep="first").copy()
    first["level"] = first["trip"].map(best)
    return first.reset_index(drop=True)


def _age_days(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    return (as_of - frame["at"]).dt.days


def _within(frame: pd.DataFrame, as_of: pd.Timestamp, days: int) -> pd.DataFrame:
    age = _age_days(frame, as_of)
    return frame[(age >= 0) & (age < days)]


def _recency(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """1 for the last three months, 0.5 for the three before, 0 beyond."""
    age = _age_days(frame, as_of)
    return age.map(lambda a: 1.0 if 0 <= a < QUARTER else (0.5 if QUARTER <= a < HALF else 0.0))


def _pair(frame: pd.DataFrame, partner: str) -> pd.Series:
    a, b = frame["actor_a"], frame["actor_b"]
    return ((a == SUBJECT) & (b == partner)) | ((a == partner) & (b == SUBJECT))


def exchanges_with(frame: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Trips between North Korea and `partner` (summits and visits), one row per trip."""
    return frame[frame["event_type"].isin(EXCHANGE_TYPES) & _pair(frame, partner)]


def signals_toward(frame: pd.DataFrame, partner: str) -> pd.DataFrame:
    """Coded warming or cooling events about North Korea's tie with `partner`, not exchanges."""
    return frame[
        (frame["signal_partner"] == partner)
        & frame["signal"].isin(("warming", "cooling"))
        & ~frame["event_type"].isin(EXCHANGE_TYPES)
    ]


def anniversary_of(when: pd.Timestamp) -> str | None:
    for (month, day), name in ANNIVERSARIES.items():
        mark = pd.Timestamp(year=when.year, month=month, day=day)
        if abs((when - mark).days) <= ANNIVERSARY_DAYS:
            return name
    return None


def next_anniversary(as_of: pd.Timestamp) -> tuple[str, pd.Timestamp]:
    """The next anniversary after `as_of` (for the outlook's signposts)."""
    dates = [
        (pd.Timestamp(year=as_of.year + k, month=m, day=d), name)
        for k in (0, 1)
        for (m, d), name in ANNIVERSARIES.items()
    ]
    when, name = min((w, n) for w, n in dates if w > as_of)
    return name, when


# ---------------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Context:
    """What an indicator reads: the as-of tables, the date its windows end, the parameters."""

    view: Any
    events: pd.DataFrame  # signal_events(view.events)
    at: pd.Timestamp  # the windows end here (as_of, or earlier for the momentum)
    start: pd.Timestamp
    partner: str
    series: str

    def before(self, days: int) -> Context:
        return replace(self, at=self.at - pd.Timedelta(days=days))


@dataclass(frozen=True)
class Reading:
    """One indicator's value: a score in [-1, 1] (None: no data) and what it rests on."""

    key: str
    score: float | None
    measures: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()  # event ids (and watch-list ids) the score rests on

    @property
    def known(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Indicator:
    key: str
    weight: float
    window: str  # the window in words, for the table in the brief and docs/STYLE.md
    direction: str  # what pushes the score up, in words
    compute: Callable[[Context], Reading]


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


def contact(ctx: Context) -> Reading:
    """Leader and senior trips with China in the last 6 and 12 months against the baseline."""
    trips = exchanges_with(ctx.events, CHINA)
    trips = trips[trips["at"] >= ctx.start]
    points = trips["level"].map(CONTACT_POINTS).fillna(0.0)
    known = trips[trips["at"] <= ctx.at]
    years = max((ctx.at - ctx.start).days / 365.25, 0.5)
    baseline = float(points[known.index].sum()) / years
    last6 = _within(trips, ctx.at, HALF)
    last12 = _within(trips, ctx.at, YEAR)
    rate = (2 * float(points[last6.index].sum()) + float(points[last12.index].sum())) / 2
    # Above the baseline scores up, below it down; with no baseline any contact is up.
    score = _clip((rate - baseline) / baseline) if baseline else float(rate > 0)
    counted = last12[last12["level"].isin(("leader", "senior"))]
    senior_trips = int(known["level"].isin(("leader", "senior")).sum())
    return Reading(
        "contact",
        round(score, 3),
        {
            "trips_6m": int(last6["level"].isin(("leader", "senior")).sum()),
            "trips_12m": len(counted),
            "leader_12m": int((counted["level"] == "leader").sum()),
            "rate": round(rate, 2),
            "baseline": round(baseline, 2),
            "baseline_trips": round(senior_trips / years, 2),
        },
        tuple(counted["event_id"]),
    )


def anniversaries(ctx: Context) -> Reading:
    """How the shared anniversaries of the last 12 months were treated, and at what rank."""
    rows = _within(ctx.events, ctx.at, YEAR)
    rows = rows[
        (rows["signal_partner"] == CHINA)
        & rows["signal"].isin(("warming", "cooling"))
        & (rows["date_precision"] == "day")
    ]
    rows = rows[rows["at"].map(anniversary_of).notna()]
    if rows.empty:
        return Reading("anniversaries", None, {"marked": 0, "slighted": 0})
    weight = rows["level"].map({"leader": 2.0, "senior": 2.0}).fillna(1.0)
    sign = rows["signal"].map({"warming": 1.0, "cooling": -1.0})
    total = float(weight.sum())
    score = float((weight * sign).sum()) / total
    return Reading(
        "anniversaries",
        round(score, 3),
        {
            "marked": int((rows["signal"] == "warming").sum()),
            "slighted": int((rows["signal"] == "cooling").sum()),
            "senior": int(rows["level"].isin(("leader", "senior")).sum()),
        },
        tuple(rows["event_id"]),
    )


def readouts(ctx: Context) -> Reading:
    """Whether readouts bearing on the China tie in the last 12 months used 'denuclearization'."""
    rows = _within(ctx.events, ctx.at, YEAR)
    rows = rows[(rows["signal_partner"] == CHINA) & rows["denuclearization"].isin(("yes", "no"))]
    if rows.empty:
        return Reading("readouts", None, {"with_word": 0, "without_word": 0})
    yes = int((rows["denuclearization"] == "yes").sum())
    no = len(rows) - yes
    return Reading(
        "readouts",
        round((no - yes) / len(rows), 3),
        {"with_word": yes, "without_word": no},
        tuple(rows["event_id"]),
    )


def _status_history(view: Any, at: pd.Timestamp) -> pd.DataFrame:
    status = view.watch_status
    status = status[status["effective"] <= at].sort_values(["indicator_id", "effective"])
    return status


def costly_steps(ctx: Context) -> Reading:
    """Watch-list steps that cost China something, which moved in the last 12 months."""
    status = _status_history(ctx.view, ctx.at)
    status = status[~status["indicator_id"].isin(CONTACT_ITEMS)]
    if status.empty:
        return Reading("costly_steps", None, {"moved": 0, "signs": 0, "reversed": 0, "open": 0})
    current = status.groupby("indicator_id").tail(1)
    # When did the current status begin? The first row of the latest run of that status.
    began = {}
    for item, rows in status.groupby("indicator_id"):
        run = rows["status"].ne(rows["status"].shift()).cumsum()
        began[item] = rows[run == run.iloc[-1]]["effective"].min()
    current = current.assign(since=current["indicator_id"].map(began))
    recent = current[(ctx.at - current["since"]).dt.days < YEAR]
    points = recent["status"].map(STATUS_POINTS).fillna(0.0)
    moving = recent[points != 0]
    return Reading(
        "costly_steps",
        round(_clip(float(points.sum()) / 2), 3),
        {
            "moved": int((recent["status"] == "moved").sum()),
            "signs": int((recent["status"] == "signs_of_movement").sum()),
            "reversed": int((recent["status"] == "reversed").sum()),
            "open": int((current["status"] != "moved").sum()),
            "items": len(current),
        },
        tuple(moving["indicator_id"]),
    )


def _trade_rows(view: Any, series: str) -> pd.DataFrame:
    t = view.trade
    rows = t[(t["partner"] == CHINA) & (t["series"] == series) & (t["confidence"] != "low")]
    return rows[rows["total_usd_m"].notna()]


def trade_comparisons(view: Any, series: str, at: pd.Timestamp) -> list[dict[str, Any]]:
    """Like-with-like changes in the lead series known by `at`: year on year, same months."""
    rows = _trade_rows(view, series)
    rows = rows[rows["published"] <= at]
    out = []
    for period_type in ("annual", "partial"):
        part = rows[rows["period_type"] == period_type]
        for _, row in part.iterrows():
            prev = part[(part["year"] == row["year"] - 1) & (part["period"] == row["period"])]
            if prev.empty:
                continue
            before = prev.iloc[0]
            last_month = 12 if period_type == "annual" else int(str(row["period"])[-2:])
            out.append(
                {
                    "period_type": period_type,
                    "year": int(row["year"]),
                    "period": str(row["period"]),
                    "ends": pd.Timestamp(year=int(row["year"]), month=last_month, day=1)
                    + pd.offsets.MonthEnd(0),
                    "value": float(row["total_usd_m"]),
                    "previous": float(before["total_usd_m"]),
                    "change_pct": 100 * (row["total_usd_m"] / before["total_usd_m"] - 1),
                    "sources": (row["source_id"], before["source_id"]),
                }
            )
    return sorted(out, key=lambda c: (c["ends"], c["period_type"] == "annual"))


def trade_momentum(ctx: Context) -> Reading:
    """The latest like-with-like change in the lead series, if it ends within 12 months."""
    comparisons = trade_comparisons(ctx.view, ctx.series, ctx.at)
    if not comparisons or (ctx.at - comparisons[-1]["ends"]).days > YEAR + 31:
        return Reading("trade", None, {"series": ctx.series})
    latest = comparisons[-1]
    return Reading(
        "trade",
        round(_clip(latest["change_pct"] / TRADE_FULL_SCALE), 3),
        {
            "series": ctx.series,
            "period_type": latest["period_type"],
            "year": latest["year"],
            "period": latest["period"],
            "value": round(latest["value"], 2),
            "previous": round(latest["previous"], 2),
            "change_pct": round(latest["change_pct"], 1),
        },
        latest["sources"],
    )


def _weighted(frame: pd.DataFrame, ctx: Context) -> tuple[float, pd.DataFrame]:
    w = _recency(frame, ctx.at)
    kept = frame[w > 0]
    return float(w[kept.index].sum()), kept


# Practical steps (economic, border) are weighed by the watch list's costly steps, which
# count only movement, not announcements; friendly words are the rest of the warming signals.
PRACTICAL_TYPES = ("economic", "border")


def goodwill(ctx: Context) -> Reading:
    """Friendly messages, votes and statements toward China, last 3 months full, 3 before half."""
    rows = signals_toward(ctx.events, CHINA)
    rows = rows[~rows["event_type"].isin(PRACTICAL_TYPES)]
    total, kept = _weighted(rows[rows["signal"] == "warming"], ctx)
    return Reading(
        "goodwill",
        round(min(1.0, total / 2), 3),
        {"count": len(kept), "weighted": round(total, 2)},
        tuple(kept["event_id"]),
    )


def friction(ctx: Context) -> Reading:
    """Cooling signals toward China (rebukes, snubs, timed launches), same windows."""
    rows = signals_toward(ctx.events, CHINA)
    total, kept = _weighted(rows[rows["signal"] == "cooling"], ctx)
    return Reading(
        "friction",
        round(-min(1.0, total / 2), 3),
        {"count": len(kept), "weighted": round(total, 2)},
        tuple(kept["event_id"]),
    )


def _momentum_points(ctx: Context, partner: str) -> tuple[float, pd.DataFrame]:
    trips = exchanges_with(ctx.events, partner)
    trips = trips[trips["signal"] != "cooling"]
    other = signals_toward(ctx.events, partner)
    w_trips = _recency(trips, ctx.at) * trips["level"].map(SIGNAL_POINTS).fillna(0.5)
    sign = other["signal"].map({"warming": 1.0, "cooling": -1.0})
    w_other = _recency(other, ctx.at) * sign
    kept = pd.concat([trips[w_trips > 0], other[w_other != 0]])
    return float(w_trips.sum() + w_other.sum()), kept


def partner_momentum(ctx: Context) -> Reading:
    """The comparison partner's momentum with Pyongyang against China's, last 6 months."""
    if ctx.partner == CHINA:
        return Reading("partner", None, {"partner": ctx.partner})
    china, _ = _momentum_points(ctx, CHINA)
    other, kept = _momentum_points(ctx, ctx.partner)
    scale = max(abs(china) + abs(other), 2.0)

    def senior_trips(partner: str) -> int:
        trips = _within(exchanges_with(ctx.events, partner), ctx.at, HALF)
        return int(trips["level"].isin(("leader", "senior")).sum())

    return Reading(
        "partner",
        round(_clip((china - other) / scale), 3),
        {
            "partner": ctx.partner,
            "china": round(china, 2),
            "other": round(other, 2),
            "china_trips_6m": senior_trips(CHINA),
            "other_trips_6m": senior_trips(ctx.partner),
        },
        tuple(kept.sort_values("at")["event_id"]),
    )


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "contact",
        0.15,
        "last 6 and 12 months against 2013 (start) to as-of",
        "more leader and senior trips than the baseline rate",
        contact,
    ),
    Indicator(
        "anniversaries",
        0.05,
        "last 12 months",
        "anniversaries marked together, at senior rank",
        anniversaries,
    ),
    Indicator(
        "readouts",
        0.05,
        "last 12 months",
        "readouts that leave out 'denuclearization'",
        readouts,
    ),
    Indicator(
        "costly_steps",
        0.20,
        "status changes in the last 12 months",
        "watch-list steps that moved or show signs of movement",
        costly_steps,
    ),
    Indicator(
        "trade",
        0.05,
        "latest year-on-year comparison, ending within 13 months",
        "trade in the lead series growing",
        trade_momentum,
    ),
    Indicator(
        "goodwill",
        0.10,
        "last 3 months (full weight) and the 3 before (half)",
        "friendly messages, votes and steps",
        goodwill,
    ),
    Indicator(
        "friction",
        0.25,
        "last 3 months (full weight) and the 3 before (half)",
        "fewer rebukes, snubs and launches timed against China's diplomacy",
        friction,
    ),
    Indicator(
        "partner",
        0.15,
        "last 3 months (full weight) and the 3 before (half)",
        "China's momentum with Pyongyang ahead of the comparison partner's",
        partner_momentum,
    ),
)
INDICATOR_KEYS = tuple(i.key for i in INDICATORS)


# ------------------------------------------------------------------------------ the model
WEIGHTS = {i.key: i.weight for i in INDICATORS}
# Warming needs a deed, not only words: a costly step or contact above its baseline.
# Cooling needs a costly signal against the tie: public friction or a step reversed.
WARMING_NEEDS = ("costly_steps", "contact")
COOLING_NEEDS = ("friction", "costly_steps")


def _flow(ctx: Context, lo: int, hi: int) -> tuple[float, list[str]]:
    """Net signal toward China between `lo` and `hi` days before the window's end."""
    rows = ctx.events[(ctx.events["signal_partner"] == CHINA) | _pair(ctx.events, CHINA)]
    rows = rows[rows["signal"].isin(("warming", "cooling"))]
    age = _age_days(rows, ctx.at)
    rows = rows[(age >= lo) & (age < hi)]
    trips = rows["event_type"].isin(EXCHANGE_TYPES)
    size = rows["level"].map(SIGNAL_POINTS).where(trips, 1.0).fillna(0.5)
    sign = rows["signal"].map({"warming": 1.0, "cooling": -1.0})
    return float((size * sign).sum()), list(rows["event_id"])


def momentum(ctx: Context) -> Reading:
    """The last three months' net signal toward China against the three months before."""
    now, recent = _flow(ctx, 0, QUARTER)
    before, earlier = _flow(ctx, QUARTER, HALF)
    scale = max(abs(now) + abs(before), FLOW_FLOOR)
    return Reading(
        "momentum",
        round(_clip((now - before) / scale), 3),
        {"last_3m": round(now, 2), "previous_3m": round(before, 2)},
        tuple(recent + earlier),
    )


@dataclass(frozen=True)
class Assessment:
    as_of: dt.date
    partner: str
    series: str
    readings: dict[str, Reading]
    flow: Reading  # the momentum
    level: float  # weighted mean of the known indicator scores
    score: float  # level and momentum together: what the state is read from
    state: str
    direction: str
    confidence: str
    likelihood: str  # ICD 203 term for the state
    coverage: float  # share of the indicators' weight with data
    agreement: float  # share of the known weight (momentum included) supporting the state
    gated: bool  # the score pointed to warming or cooling but the deed it needs was missing
    # The edition's date; `as_of` above is where the windows end, earlier when the event
    # record stops before the edition's date (data/tables.toml, current_to).
    edition_date: dt.date | None = None

    @property
    def record_gap(self) -> int:
        """Days between the end of the event record and the edition's date (0: current)."""
        return (self.edition_date - self.as_of).days if self.edition_date else 0

    def contribution(self, key: str) -> float:
        """An indicator's share of the score (the momentum's under 'momentum')."""
        if key == "momentum":
            return MOMENTUM_SHARE * float(self.flow.score)
        reading = self.readings[key]
        if not reading.known:
            return 0.0
        known = sum(WEIGHTS[k] for k, r in self.readings.items() if r.known)
        return (1 - MOMENTUM_SHARE) * WEIGHTS[key] * float(reading.score) / known

    @property
    def sign(self) -> int:
        return {"warming": 1, "cooling": -1, "steady": 0}[self.state]

    def drivers(self, n: int = 3) -> list[str]:
        """The indicators that push hardest toward the state (for steady: either way)."""
        keys = [*INDICATOR_KEYS, "momentum"]
        keys = [k for k in keys if abs(self.contribution(k)) > 0.005]
        if self.sign:
            keys = [k for k in keys if self.contribution(k) * self.sign > 0]
        return sorted(keys, key=lambda k: -abs(self.contribution(k)))[:n]

    def counterweights(self, n: int = 2) -> list[str]:
        """The indicators that pull hardest against the state (for steady: none)."""
        if not self.sign:
            return []
        keys = [
            k for k in (*INDICATOR_KEYS, "momentum") if self.contribution(k) * self.sign < -0.01
        ]
        return sorted(keys, key=lambda k: -abs(self.contribution(k)))[:n]


def read_all(ctx: Context) -> dict[str, Reading]:
    return {i.key: i.compute(ctx) for i in INDICATORS}


def _score(readings: dict[str, Reading], flow: Reading) -> tuple[float, float, float]:
    """(level, score, coverage): the indicators' weighted mean, then half level, half momentum."""
    known = {k: float(r.score) for k, r in readings.items() if r.known}
    weight = sum(WEIGHTS[k] for k in known)
    level = sum(WEIGHTS[k] * v for k, v in known.items()) / weight if weight else 0.0
    score = (1 - MOMENTUM_SHARE) * level + MOMENTUM_SHARE * float(flow.score)
    return level, score, weight / sum(WEIGHTS.values())


def _has(readings: dict[str, Reading], keys: tuple[str, ...], sign: int) -> bool:
    return any(readings[k].known and float(readings[k].score) * sign > 0 for k in keys)


def _state(score: float, readings: dict[str, Reading]) -> tuple[str, bool]:
    if score >= STATE_THRESHOLD:
        return ("warming", False) if _has(readings, WARMING_NEEDS, 1) else ("steady", True)
    if score <= -STATE_THRESHOLD:
        return ("cooling", False) if _has(readings, COOLING_NEEDS, -1) else ("steady", True)
    return "steady", False


def _direction(flow: float) -> str:
    if flow >= DIRECTION_THRESHOLD:
        return "improving"
    if flow <= -DIRECTION_THRESHOLD:
        return "deteriorating"
    return "holding"


def _agreement(readings: dict[str, Reading], flow: Reading, state: str) -> float:
    """Share of the score's weight (indicators half, momentum half) that supports the state."""
    support = {
        "warming": lambda v: v > 0,
        "cooling": lambda v: v < 0,
        "steady": lambda v: abs(v) < 0.5,
    }[state]
    known = [(WEIGHTS[k], float(r.score)) for k, r in readings.items() if r.known]
    total = sum(w for w, _ in known) or 1.0
    level = sum(w for w, v in known if support(v)) / total
    return (1 - MOMENTUM_SHARE) * level + MOMENTUM_SHARE * float(support(float(flow.score)))


def _margin(score: float, state: str, gated: bool) -> float:
    """How far the score sits inside its state's band (a gated state: the gate's margin)."""
    if gated:  # steady by the rule that a state needs its deed: as sure as a mid-band score
        return STATE_THRESHOLD / 2
    if state == "steady":
        return STATE_THRESHOLD - abs(score)
    return abs(score) - STATE_THRESHOLD


def _confidence(coverage: float, agreement: float, margin: float) -> str:
    if coverage >= 0.8 and agreement >= 0.65 and margin >= 0.15:
        return "high"
    if coverage < 0.6 or agreement < 0.45 or margin < 0.04:
        return "low"
    return "moderate"


def _temper(confidence: str, level: float, state: str) -> str:
    """A turn from the other side of zero (the level against the state) is less sure."""
    sign = {"warming": 1, "cooling": -1}.get(state, 0)
    if not sign or level * sign >= 0:
        return confidence
    if level * sign < -OPPOSED_LEVEL:
        return "low"
    return "moderate" if confidence == "high" else confidence


# An edition dated more than a month after its event record stops reads the record as of
# its end, and holds the judgement with one step less confidence.
STALE_RECORD_DAYS = 31
LOWER = {"high": "moderate", "moderate": "low", "low": "low"}


def _likelihood(margin: float) -> str:
    """The ICD 203 term for how likely the state is, from the score's margin."""
    if margin >= 0.3:
        return "very_likely"
    if margin >= 0.04:
        return "likely"
    return "even_chance"


def context(view: Any, params: Any, at: Any | None = None) -> Context:
    return Context(
        view=view,
        events=signal_events(view.events),
        at=pd.Timestamp(at).normalize() if at is not None else data.record_end(view, params.as_of),
        start=pd.Timestamp(params.start),
        partner=params.compare_with,
        series=params.trade_series,
    )


@data.by_view()
def assess(view: Any, params: Any, at: Any | None = None) -> Assessment:
    """The assessment from an as-of view (and nothing else); `at` moves the windows' end.

    Kept by content (`data.by_view`): the narrative asks for the same assessment many times
    (each language, the readings' past dates, other sections' evidence keys)."""
    return _assess(view, params, at)


def _assess(view: Any, params: Any, at: Any | None) -> Assessment:
    ctx = context(view, params, at)
    readings = read_all(ctx)
    flow = momentum(ctx)
    level, score, coverage = _score(readings, flow)
    state, gated = _state(score, readings)
    margin = _margin(score, state, gated)
    agreement = _agreement(readings, flow, state)
    confidence = _temper(_confidence(coverage, agreement, margin), level, state)
    edition_date = pd.Timestamp(at if at is not None else params.as_of).date()
    if (edition_date - ctx.at.date()).days > STALE_RECORD_DAYS:  # evidence older than the date
        confidence = LOWER[confidence]
    likelihood = _likelihood(margin)
    if confidence == "low" and likelihood == "very_likely":
        likelihood = "likely"
    return Assessment(
        as_of=ctx.at.date(),
        partner=ctx.partner,
        series=ctx.series,
        readings=readings,
        flow=flow,
        level=round(level, 3),
        score=round(score, 3),
        state=state,
        direction=_direction(float(flow.score)),
        confidence=confidence,
        likelihood=likelihood,
        coverage=round(coverage, 3),
        agreement=round(agreement, 3),
        gated=gated,
        edition_date=edition_date,
    )


# ------------------------------------------------------------------------------ the words
def _side(value: float) -> str:
    return "up" if value > 0 else "down"


def _score_of(a: Assessment, key: str) -> float:
    return float(a.flow.score) if key == "momentum" else float(a.readings[key].score or 0.0)


def _partner(a: Assessment) -> str:
    return registry.in_sentence(a.partner)


def _since_month(a: Assessment) -> str:
    return narrative.fmt_date(pd.Timestamp(a.as_of) - pd.Timedelta(days=QUARTER), "month")


def _values(a: Assessment, key: str) -> dict[str, str]:
    if key == "partner":
        return {"partner": _partner(a)}
    if key == "momentum":
        return {"month": _since_month(a)}
    return {}


def driver_phrase(a: Assessment, key: str) -> str:
    return say(f"assessment.driver.{key}.{_side(_score_of(a, key))}", **_values(a, key))


def short_phrase(a: Assessment, key: str) -> str:
    return say(f"assessment.short.{key}.{_side(_score_of(a, key))}", **_values(a, key))


def with_friction(a: Assessment) -> bool:
    """A steady state with public friction in the window: "managed tension"."""
    friction = a.readings["friction"]
    return a.state == "steady" and friction.known and float(friction.score) < 0


def _phrase(a: Assessment) -> str:
    return say("assessment.phrase." + ("steady_friction" if with_friction(a) else a.state))


def _confidence_word(a: Assessment) -> str:
    return say(f"assessment.confidence_word.{a.confidence}")


def bottom_line(a: Assessment) -> str:
    """The brief's first paragraph: the state, its likelihood and confidence, and why."""
    sentences = [
        say(f"assessment.lead.{a.likelihood}", phrase=_phrase(a), confidence=_confidence_word(a))
    ]
    if a.sign:
        sentences.append(
            say("assessment.rests_on", drivers=join([driver_phrase(a, k) for k in a.drivers()]))
        )
        counter = a.counterweights()
        if counter:
            sentences.append(
                say(
                    "assessment.against",
                    counter=join([driver_phrase(a, k) for k in counter]),
                    verb=say("assessment.against_verb", n=len(counter)),
                )
            )
    named: set[str] = {*a.drivers(), *a.counterweights()}
    if not a.sign:
        keys = [*INDICATOR_KEYS, "momentum"]
        up = sorted((k for k in keys if a.contribution(k) > 0.005), key=a.contribution)[::-1]
        down = sorted((k for k in keys if a.contribution(k) < -0.005), key=a.contribution)
        named = {*up[:2], *down[:2]} if up and down else set()
        if up and down:
            sentences.append(
                say(
                    "assessment.both_ways",
                    up=join([driver_phrase(a, k) for k in up[:2]]),
                    down=join([driver_phrase(a, k) for k in down[:2]]),
                )
            )
        if a.gated:
            sentences.append(say(f"assessment.gated.{'warming' if a.score > 0 else 'cooling'}"))
    if "momentum" not in named:  # the momentum is said once
        sentences.append(say(f"assessment.direction_sentence.{a.direction}"))
    if a.record_gap > STALE_RECORD_DAYS:
        sentences.append(
            say(
                "assessment.record_stops",
                date=narrative.fmt_date(a.as_of),
                span=span(a.record_gap),
            )
        )
    return " ".join(sentences)


def label(a: Assessment) -> str:
    """The bottom line in one sentence (archive cards, the subtitle's companion)."""
    keys = a.drivers() if a.sign else a.drivers(2)
    return say(
        f"assessment.label.{a.likelihood}",
        phrase=_phrase(a),
        confidence=_confidence_word(a),
        drivers=join([short_phrase(a, k) for k in keys]),
    )


def title(a: Assessment) -> str:
    group = "steady_friction" if with_friction(a) else a.state
    return say(f"assessment.title.{group}.{a.direction}")


def subtitle(a: Assessment) -> str:
    return say("assessment.subtitle", date=narrative.fmt_date(a.edition_date or a.as_of))


def approx_change(pct: float) -> str:
    """A change in words, approximate on purpose: 'up about a quarter', 'down about 5%'."""
    size = abs(pct)
    if size < 2.5:
        return say("assessment.change.flat")
    if pct >= 100:
        return say("assessment.change.doubled")
    if pct <= -50:
        return say("assessment.change.halved")
    shares = ((10, "tenth"), (20, "fifth"), (25, "quarter"), (33.3, "third"), (50, "half"))
    for mark, name in shares:
        if abs(size - mark) <= mark * 0.12:
            return say(
                f"assessment.change.{_side(pct)}_about", share=say(f"assessment.share.{name}")
            )
    return say(f"assessment.change.{_side(pct)}_pct", pct=int(5 * round(size / 5)) or 5)


# ---------------------------------------------------------------------------- the points
def _sources(view: Any, ids: tuple[str, ...], limit: int = 3) -> list[str]:
    """The source ids of the latest `limit` events among `ids` (a sentence cites at most 3)."""
    events = view.events
    rows = events[events["event_id"].isin(ids)].sort_values("published")
    return list(dict.fromkeys(rows["source_id"]))[-limit:]


def date_phrase(when: Any, precision: str) -> str:
    """'on 4 January 2026', 'in December 2024', 'in 2024': a date as it reads in a sentence."""
    return say(f"common.date.{precision}", date=narrative.fmt_date(when, precision))


def _latest_date(view: Any, ids: tuple[str, ...]) -> str:
    rows = signal_events(view.events[view.events["event_id"].isin(ids)])
    exact = rows["date_precision"].map({"day": 2, "month": 1, "year": 0})
    last = rows.assign(exact=exact).sort_values(["at", "exact"]).iloc[-1]
    return date_phrase(last["at"], last["date_precision"])


def _point(a: Assessment, key: str, view: Any, params: Any) -> str | None:
    r = a.readings[key]
    if not r.known:
        return None
    m = r.measures
    if key == "contact":
        text = say(
            f"assessment.point.contact.{_side(r.score or -1)}",
            trips=number_word(m["trips_12m"]),
            exchange_word=say("assessment.exchange_word", n=m["trips_12m"]),
            baseline=f"{m['baseline_trips']:.1f}".removesuffix(".0"),
            start_year=str(pd.Timestamp(params.start).year),
        )
        return narrative.with_cite(text, _sources(view, r.evidence))
    if key in ("friction", "goodwill"):
        if not m["count"]:
            return say(f"assessment.point.{key}.none")
        text = say(
            f"assessment.point.{key}.some",
            count=number_word(m["count"]),
            signal_word=say("assessment.signal_word", n=m["count"]),
            latest=_latest_date(view, r.evidence),
        )
        return narrative.with_cite(text, _sources(view, r.evidence))
    if key == "costly_steps":
        cur = _current_steps(a, view)
        moving = cur[cur["indicator_id"].isin(r.evidence)]
        if moving.empty:
            return say("assessment.point.costly_steps.none", items=number_word(m["items"]))
        moved = join(
            say(
                f"assessment.step.{row['status']}",
                label=narrative.md_escape(row["label"]),
            )
            for _, row in moving.iterrows()
        )
        text = say(
            "assessment.point.costly_steps.moved",
            moved=moved,
            open=number_word(m["open"]),
            items=number_word(m["items"]),
            open_verb=say("assessment.open_verb", n=m["open"]),
        )
        return narrative.with_cite(text, list(dict.fromkeys(moving["source_id"]))[-3:])
    if key == "partner":
        text = say(
            f"assessment.point.partner.{_side(r.score or -1)}",
            partner=_partner(a),
            other=count_word(m["other_trips_6m"]),
            china=count_word(m["china_trips_6m"]),
            exchange_word=say("assessment.exchange_word", n=m["other_trips_6m"]),
        )
        return narrative.with_cite(text, _sources(view, r.evidence))
    if key == "trade":
        value = narrative.fmt_usd_m(m["value"])
        if m["period_type"] == "annual":
            text = say(
                "assessment.point.trade.annual",
                series=m["series"],
                change=approx_change(m["change_pct"]),
                year=str(m["year"]),
                value=value,
            )
        else:
            first, last = (int(x) for x in str(m["period"]).split("-"))
            text = say(
                "assessment.point.trade.partial",
                series=m["series"],
                change=approx_change(m["change_pct"]),
                months=say(
                    "assessment.months",
                    first=narrative.month_name(first),
                    last=narrative.month_name(last),
                ),
                year=str(m["year"]),
                previous_year=str(m["year"] - 1),
                value=value,
            )
        return narrative.with_cite(text, list(r.evidence))
    if key == "anniversaries":
        text = say(
            f"assessment.point.anniversaries.{_side(r.score or -1)}",
            **({"senior": number_word(m["senior"])} if (r.score or 0) > 0 else {}),
        )
        return narrative.with_cite(text, _sources(view, r.evidence))
    if key == "readouts":
        return narrative.with_cite(
            say(f"assessment.point.readouts.{_side(r.score or -1)}"), _sources(view, r.evidence)
        )
    return None


POINT_ORDER = ("contact", "friction", "costly_steps", "partner", "trade", "goodwill")


def point_keys(a: Assessment, most: int = 5) -> list[str]:
    """The summary's points: the drivers, then what pulls against them, then the core set."""
    keys = [k for k in (*a.drivers(), *a.counterweights()) if k != "momentum"]
    keys += [k for k in POINT_ORDER if a.readings[k].known]
    return list(dict.fromkeys(keys))[:most]


def points(a: Assessment, view: Any, params: Any) -> list[str]:
    out = [_point(a, k, view, params) for k in point_keys(a)]
    return [p for p in out if p]


def summary_points(a: Assessment, view: Any, params: Any) -> str:
    """The summary box's key points, as a Markdown list."""
    return narrative.bullets(points(a, view, params))


def count_word(n: int) -> str:
    """A count after "against": 'none' for zero, else the number word."""
    return say("assessment.none_word") if n == 0 else number_word(n)


def number_word(n: int) -> str:
    from analysis.text import number

    return number(n)


def _current_steps(a: Assessment, view: Any) -> pd.DataFrame:
    status = _status_history(view, pd.Timestamp(a.as_of))
    current = status.groupby("indicator_id").tail(1)
    labels = view.watch_indicators.set_index("indicator_id")["label"]
    return current.assign(label=current["indicator_id"].map(labels).fillna(""))


# ---------------------------------------------------------------------------- the tables
def _signed(value: float) -> str:
    """+4.5, −2, 0 (a true minus sign)."""
    return "0" if value == 0 else f"{value:+g}".replace("-", "−")


def _reading_text(a: Assessment, key: str, params: Any) -> str:
    if key == "momentum":
        m = a.flow.measures
        return say(
            "assessment.reading.momentum",
            last=_signed(m["last_3m"]),
            before=_signed(m["previous_3m"]),
        )
    r = a.readings[key]
    if not r.known:
        return say("assessment.table.no_data")
    m = r.measures
    if key == "contact":
        return say(
            "assessment.reading.contact",
            trips=say("assessment.reading.trips", n=int(m["trips_12m"])),
            baseline=f"{m['baseline_trips']:.1f}",
            start_year=str(pd.Timestamp(params.start).year),
        )
    if key == "trade":
        period = str(m["year"])
        if m["period_type"] == "partial":
            first, last = (int(x) for x in str(m["period"]).split("-"))
            period = (
                say(
                    "assessment.months",
                    first=narrative.month_name(first, short=True),
                    last=narrative.month_name(last, short=True),
                )
                + f" {m['year']}"
            )
        return say(
            "assessment.reading.trade",
            change=approx_change(m["change_pct"]),
            series=m["series"],
            period=period,
        )
    if key == "partner":
        return say(
            "assessment.reading.partner",
            china=_signed(m["china"]),
            other=_signed(m["other"]),
            partner=registry.name(m["partner"]),
        )
    names = {
        "anniversaries": ("marked", "slighted"),
        "readouts": ("with_word", "without_word"),
        "costly_steps": ("moved", "signs", "reversed"),
        "goodwill": ("count",),
        "friction": ("count",),
    }[key]
    return say(f"assessment.reading.{key}", **{n: str(m[n]) for n in names})


def indicator_table(a: Assessment, params: Any) -> str:
    """Every indicator (with its window), its weight, reading and score; the total last."""
    rows = []
    for ind in (*INDICATORS, None):
        key = ind.key if ind else "momentum"
        cell = say(
            "assessment.table.indicator_cell",
            name=say(
                f"assessment.name.{key}",
                **({"partner": registry.name(a.partner)} if key == "partner" else {}),
            ),
            window=say(f"assessment.window.{key}"),
        )
        weight = f"{ind.weight:.2f}" if ind else say("assessment.table.momentum_weight")
        known = key == "momentum" or a.readings[key].known
        score = f"{_score_of(a, key):+.2f}".replace("-", "−") if known else "–"
        rows.append([cell, _reading_text(a, key, params), weight, score])
    total = say("assessment.table.total", threshold=f"{STATE_THRESHOLD:.2f}")
    state = say(f"assessment.state.{a.state}")
    rows.append([f"**{total}**", f"**{state}**", "", f"**{a.score:+.2f}**".replace("-", "−")])
    header = [
        say(f"assessment.table.header_{h}") for h in ("indicator", "reading", "weight", "score")
    ]
    return narrative.md_table(header, rows, align="llrr", widths=[5, 4, 1, 1])


EVIDENCE_KEYS = ("contact", "anniversaries", "readouts", "goodwill", "friction", "partner")


def evidence_rows(a: Assessment, view: Any) -> pd.DataFrame:
    """The events the readings rest on, each with the indicators it counts under."""
    under: dict[str, list[str]] = {}
    for key in EVIDENCE_KEYS:
        for event_id in a.readings[key].evidence:
            under.setdefault(event_id, []).append(key)
    for event_id in a.flow.evidence:
        under.setdefault(event_id, []).append("momentum")
    rows = signal_events(view.events)
    # Neutral events on the China tie in the last six months (a denial of a rift, a
    # non-committal statement) are shown as context: they count under no indicator.
    age = _age_days(rows, pd.Timestamp(a.as_of))
    context_rows = rows[
        (rows["signal_partner"] == CHINA)
        & (rows["signal"] == "neutral")
        & (age >= 0)
        & (age < HALF)
    ]
    for event_id in context_rows["event_id"]:
        under.setdefault(event_id, [])
    rows = rows[rows["event_id"].isin(under)].sort_values(["at", "event_id"])
    return rows.assign(under=rows["event_id"].map(under))


def evidence_listed(a: Assessment, view: Any) -> pd.DataFrame:
    """The rows the evidence table lists: the latest `narrative.TABLE_ROWS`."""
    return narrative.latest(evidence_rows(a, view))


def evidence_keys(view: Any, params: Any) -> set[str]:
    """Event ids and trip ids of the events the evidence table lists, so the sections'
    chronologies list only what that table does not (each fact once)."""
    rows = evidence_listed(assess(view, params), view)
    keys = set(rows["event_id"].astype(str))
    if "trip_id" in rows.columns:
        keys |= {t for t in rows["trip_id"].fillna("").astype(str) if t}
    return keys


def watch_reports(a: Assessment, view: Any, days: int = 3) -> dict[str, str]:
    """Events that are a watch-list item's latest report (same source, dated within `days`
    of the status change), by event id, with the item's label: the watch table tells them,
    the evidence table points there (each fact once)."""
    from analysis import watchlist  # the watch list's current statuses

    cur = watchlist.current(view.watch_indicators, view.watch_status, a.as_of)
    cur = cur[(cur["source_id"] != "") & cur["effective"].notna()]
    rows = evidence_listed(a, view)[["event_id", "source_id", "at"]].reset_index(drop=True)
    items = cur[["source_id", "label"]].assign(
        effective=pd.to_datetime(cur["effective"]), item=range(len(cur))
    )
    # Every (event, item) pair with the same source, in one join rather than a filter per
    # event; per event the first item in the watch list's order.
    pairs = rows.reset_index().merge(items, on="source_id")
    near = (pairs["effective"] - pd.to_datetime(pairs["at"])).abs() <= pd.Timedelta(days=days)
    hits = pairs[near].sort_values(["index", "item"], kind="stable").drop_duplicates("index")
    return {str(e): str(label) for e, label in zip(hits["event_id"], hits["label"], strict=True)}


def evidence_table(a: Assessment, view: Any) -> str:
    everything = evidence_rows(a, view)
    if everything.empty:
        return say("assessment.evidence.none")
    partner = registry.name(a.partner)
    reported = watch_reports(a, view)
    header = [say(f"assessment.evidence.header_{h}") for h in ("date", "event", "bears")]

    def table(rows: pd.DataFrame) -> str:
        return narrative.md_table(header, [row(r) for _, r in rows.iterrows()], widths=[1, 6, 2])

    def row(r: pd.Series) -> list[str]:
        names = [
            say(f"assessment.name.{k}", **({"partner": partner} if k == "partner" else {}))
            for k in r["under"]
        ] or [say("assessment.evidence.context")]
        return [
            narrative.fmt_date(
                r["date"] if r["date_precision"] != "day" else r["at"],
                r["date_precision"],
                short=True,
            ),
            narrative.with_cite(
                say("assessment.evidence.watch", label=narrative.md_escape(label))
                if (label := reported.get(str(r["event_id"])))
                else narrative.md_escape(r["description"]),
                [r["source_id"]],
            ),
            join(dict.fromkeys(names)),
        ]

    return narrative.listed_table(everything, table)[0]


# ----------------------------------------------------------------------------- the facts
def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def facts(a: Assessment) -> dict[str, Any]:
    """`assessment` for facts.json (contract 4), and window-keyed numbers for the diff."""
    indicators = {
        i.key: {
            "score": a.readings[i.key].score,
            "weight": i.weight,
            "window": i.window,
            **a.readings[i.key].measures,
        }
        for i in INDICATORS
    }
    indicators["momentum"] = {
        "score": a.flow.score,
        "weight": MOMENTUM_SHARE,
        "window": "last 3 months against the 3 before",
        **a.flow.measures,
    }
    contact_m = a.readings["contact"].measures
    numbers = {
        "assessment.score": {"label": "Assessment score (−1 to +1)", "value": a.score, "unit": ""},
        "exchanges.chn.leader_senior.last_12m": {
            "label": "Leader- and senior-level exchanges with China in the 12 months to as-of",
            "value": contact_m["trips_12m"],
            "unit": "count",
        },
        "signals.chn.cooling.last_6m": {
            "label": "Friction signals toward China in the 6 months to as-of",
            "value": a.readings["friction"].measures["count"],
            "unit": "count",
        },
        "signals.chn.warming.last_6m": {
            "label": "Friendly signals toward China in the 6 months to as-of",
            "value": a.readings["goodwill"].measures["count"],
            "unit": "count",
        },
    }
    return _plain(
        {
            "assessment": {
                "as_of": (a.edition_date or a.as_of).isoformat(),
                "read_at": a.as_of.isoformat(),
                "state": a.state,
                "direction": a.direction,
                "confidence": a.confidence,
                "likelihood": a.likelihood,
                "label": label(a),
                "title": title(a),
                "subtitle": subtitle(a),
                "score": a.score,
                "level": a.level,
                "coverage": a.coverage,
                "agreement": a.agreement,
                "gated": a.gated,
                "drivers": a.drivers(),
                "counterweights": a.counterweights(),
                "indicators": indicators,
            },
            "numbers": numbers,
        }
    )


def document_metadata(a: Assessment) -> dict[str, str]:
    """The edition's title and subtitle (contract 5), from the assessment."""
    return {"title": title(a), "subtitle": subtitle(a)}


# ------------------------------------------------------------------ what moved, edition to edition
def _indicator_name(key: str, entry: dict[str, Any]) -> str:
    if key == "partner":
        return say("assessment.name.partner", partner=registry.name(entry.get("partner", "RUS")))
    return say(f"assessment.name.{key}")


def what_moved(previous: dict[str, Any], current: dict[str, Any], most: int = 3) -> str:
    """Prose on what moved the assessment between two editions' facts (for "What changed").

    Reads only the `assessment` entries of two facts.json documents, so the machinery can
    call it without knowing the subject; returns "" when either edition has no assessment.
    """
    old, new = previous.get("assessment"), current.get("assessment")
    if not old or not new:
        return ""
    since = narrative.fmt_date(old["as_of"]) if old.get("as_of") else ""
    state = {
        k: say(f"assessment.state.{v}") for k, v in (("old", old["state"]), ("new", new["state"]))
    }
    if old["state"] == new["state"]:
        sentences = [say("assessment.moved.same", state=state["new"], since=since)]
    else:
        sentences = [
            say("assessment.moved.changed", old=state["old"], new=state["new"], since=since)
        ]
    shifts = []
    for key, entry in new.get("indicators", {}).items():
        before = old.get("indicators", {}).get(key, {})
        if entry.get("score") is None or before.get("score") is None:
            continue
        delta = float(entry["score"]) - float(before["score"])
        if abs(delta) >= 0.25:
            shifts.append((abs(delta) * float(entry.get("weight", 0)), key, entry, before, delta))
    for _, key, entry, before, delta in sorted(shifts, reverse=True)[:most]:
        sentences.append(
            say(
                f"assessment.moved.indicator.{'up' if delta > 0 else 'down'}",
                name=_indicator_name(key, entry),
                old=_signed(round(float(before["score"]), 2)),
                new=_signed(round(float(entry["score"]), 2)),
            )
        )
    if not shifts:
        sentences.append(say("assessment.moved.no_indicator"))
    if old.get("confidence") != new.get("confidence"):
        sentences.append(
            say(
                "assessment.moved.confidence",
                old=say(f"assessment.confidence_word.{old['confidence']}"),
                new=say(f"assessment.confidence_word.{new['confidence']}"),
            )
        )
    return " ".join(sentences)
