"""Trade and dependence: the lead China–North Korea series, the other series beside it,
China's share of North Korea's trade, monthly values, and Russia's small recorded trade.

Rules kept here: every number names its series; GACC (China's customs) and KOTRA (South
Korea's reconstruction, which adds an estimate of Chinese crude oil) are never merged;
low-confidence rows stay out of headline statements unless flagged.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import pandas as pd

from analysis import charts, narrative, timeline
from analysis.narrative import fmt_change, fmt_pct, fmt_usd_m

CHINA_SERIES = ("GACC", "KOTRA")
SERIES_NAMES = {
    "GACC": "China's customs (GACC)",
    "KOTRA": "KOTRA's reconstruction of North Korea's trade",
}
# How the Russia–North Korea series codes of trade.csv read in a sentence.
RUSSIA_SERIES = {
    "RUS-FCS": "Russian customs",
    "RUS-OFFICIAL": "Russian officials",
    "RUS-ESTIMATE": "a Russian industry estimate",
    "ITC": "ITC Trade Map",
    "KOTRA": "KOTRA",
}
NUMERIC = [
    "exports_to_nk_usd_m",
    "imports_from_nk_usd_m",
    "total_usd_m",
    "nk_total_trade_usd_m",
    "partner_share_pct",
]
# A closing verb, not the noun: "the first train since the 2020 closure" is a reopening.
_CLOSURE = re.compile(r"\b(?:suspends?|suspended|seals?|sealed|closes|closed|shuts?|stops)\b", re.I)
_REOPENING = re.compile(r"\b(?:resum\w*|reopen\w*|again|restart\w*)\b", re.I)
_RESOLUTION = re.compile(r"Resolution (\d{4})")


def other_series(series: str) -> str:
    return "KOTRA" if series == "GACC" else "GACC"


def _clean(trade: pd.DataFrame) -> pd.DataFrame:
    out = trade.copy()
    for col in NUMERIC:
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    out["year"] = pd.to_numeric(out["year"]).astype(int)
    for col in ("period", "source_id", "confidence", "notes", "series", "partner"):
        if col in out.columns:
            out[col] = out[col].fillna("").astype(str)
    if "confidence" not in out.columns:
        out["confidence"] = "high"
    return out


def annual(trade: pd.DataFrame, partner: str = "CHN", series: str | None = None) -> pd.DataFrame:
    """Annual rows with a total, one per (series, year), sorted by year."""
    t = _clean(trade)
    rows = t[(t["partner"] == partner) & (t["period_type"] == "annual") & t["total_usd_m"].notna()]
    if series is not None:
        rows = rows[rows["series"] == series]
    return rows.sort_values(["series", "year"]).reset_index(drop=True)


def in_years(frame: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    lo, hi = pd.Timestamp(start).year, pd.Timestamp(as_of).year
    return frame[(frame["year"] >= lo) & (frame["year"] <= hi)]


def latest_change(rows: pd.DataFrame) -> dict[str, Any] | None:
    """The latest annual value, excluding low-confidence rows, and its change on the year before."""
    rows = timeline.headline(rows).sort_values("year")
    if rows.empty:
        return None
    last = rows.iloc[-1]
    out: dict[str, Any] = {
        "series": last["series"],
        "year": int(last["year"]),
        "value": float(last["total_usd_m"]),
        "source_id": last["source_id"],
        "prev_year": None,
        "prev_value": None,
        "change_pct": None,
        "prev_source_id": None,
    }
    prev = rows[rows["year"] == out["year"] - 1]
    if not prev.empty:
        p = prev.iloc[-1]
        out.update(
            prev_year=int(p["year"]),
            prev_value=float(p["total_usd_m"]),
            change_pct=(out["value"] / float(p["total_usd_m"]) - 1) * 100,
            prev_source_id=p["source_id"],
        )
    return out


def series_gap(trade: pd.DataFrame) -> pd.DataFrame:
    """Years with both China series: GACC, KOTRA, KOTRA minus GACC, KOTRA's China share."""
    a = annual(trade)
    gacc = a[a["series"] == "GACC"].set_index("year")
    kotra = a[a["series"] == "KOTRA"].set_index("year")
    years = sorted(set(gacc.index) & set(kotra.index))
    rows = []
    for y in years:
        g, k = gacc.loc[y], kotra.loc[y]
        rows.append(
            {
                "year": y,
                "gacc": float(g["total_usd_m"]),
                "kotra": float(k["total_usd_m"]),
                "gap": float(k["total_usd_m"]) - float(g["total_usd_m"]),
                "share": k["partner_share_pct"],
                "gacc_source": g["source_id"],
                "kotra_source": k["source_id"],
                "low": "low" in (g["confidence"], k["confidence"]),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["year", "gacc", "kotra", "gap", "share", "gacc_source", "kotra_source", "low"],
    )


def china_share(trade: pd.DataFrame) -> pd.DataFrame:
    """KOTRA's share of China in North Korea's recorded trade, by year."""
    t = _clean(trade)
    rows = t[
        (t["partner"] == "CHN")
        & (t["series"] == "KOTRA")
        & (t["period_type"] == "annual")
        & t["partner_share_pct"].notna()
    ]
    return rows.sort_values("year").reset_index(drop=True)


def monthly(trade: pd.DataFrame, series: str) -> pd.DataFrame:
    """Single-month rows of a China series with a `when` date, sorted."""
    t = _clean(trade)
    rows = t[
        (t["partner"] == "CHN")
        & (t["series"] == series)
        & (t["period_type"] == "monthly")
        & t["total_usd_m"].notna()
    ].copy()
    rows["month"] = pd.to_numeric(rows["period"], errors="coerce")
    rows = rows[rows["month"].between(1, 12)]
    rows["when"] = (
        pd.to_datetime({"year": rows["year"], "month": rows["month"].astype(int), "day": 1})
        if not rows.empty
        else pd.Series(dtype="datetime64[ns]")
    )
    return rows.sort_values("when").reset_index(drop=True)


def russia(trade: pd.DataFrame) -> pd.DataFrame:
    """Russia–North Korea annual totals, whatever series reported them."""
    return annual(trade, partner="RUS").sort_values(["year", "series"]).reset_index(drop=True)


def markers(events: pd.DataFrame, start: Any, as_of: Any) -> pd.DataFrame:
    """UNSC sanctions resolutions and China–North Korea border closures inside the window."""
    ev = timeline.window(timeline.prepare(events), start, as_of)
    rows = []
    sanc = ev[(ev["event_type"] == "sanction") & (ev["actor_a"] == timeline.UNSC)]
    for _, r in sanc.iterrows():
        m = _RESOLUTION.search(str(r["description"]))
        rows.append(
            {
                "when": r["when"],
                "kind": "UNSC sanctions",
                "marker": f"UNSCR {m.group(1)}" if m else "UNSC sanctions resolution",
                "source_id": r["source_id"],
            }
        )
    border = timeline.between(ev, timeline.SUBJECT, timeline.CHINA)
    desc = border["description"]
    border = border[
        (border["event_type"] == "border")
        & desc.str.contains(_CLOSURE)
        & ~desc.str.contains(_REOPENING)
    ]
    for _, r in border.iterrows():
        rows.append(
            {
                "when": r["when"],
                "kind": "Border closure",
                "marker": "Border closed",
                "source_id": r["source_id"],
            }
        )
    out = pd.DataFrame(rows, columns=["when", "kind", "marker", "source_id"])
    if out.empty:
        out["tag"] = pd.Series(dtype=str)
        return out
    out = out.sort_values("when", kind="stable").reset_index(drop=True)
    out["group"] = out["kind"] + out["when"].dt.year.astype(str)
    names = out.groupby("group")["marker"].transform(_join_markers)
    first = ~out["group"].duplicated()
    out["tag"] = names.where(first, "")
    # One closure per year is enough on an annual chart.
    dup_closure = (out["kind"] == "Border closure") & ~first
    return out[~dup_closure].drop(columns="group").reset_index(drop=True)


def _join_markers(names: pd.Series) -> str:
    """'UNSCR 2371', 'UNSCR 2375' -> 'UNSCR 2371, 2375'."""
    out: list[str] = []
    for n in dict.fromkeys(names):
        out.append(n.removeprefix("UNSCR ") if out and n.startswith("UNSCR ") else n)
    return ", ".join(out)


# --------------------------------------------------------------------------- figures


def _year_axis_rows(rows: pd.DataFrame, lead: str, as_of: Any) -> pd.DataFrame:
    """Annual rows in their year's band (charts.annual): the lead series as bars, the other
    as points at mid-year."""
    out = rows[["series", "year", "total_usd_m", "source_id", "confidence"]].copy()
    out = charts.slots(charts.annual(out, as_of).assign(band=0), "band", [0], pad=0.12)
    out["role"] = out["series"].map(
        lambda s: "lead series" if s == lead else "shown for comparison"
    )
    out["value"] = out["total_usd_m"].round(1)
    out["series_label"] = out["series"].map(
        lambda s: f"{s} ({'lead' if s == lead else 'comparison'})"
    )
    return out


def lead_title(change: dict[str, Any] | None, series: str) -> str:
    if change is None:
        return f"No annual {series} figure for China–North Korea trade is available yet"
    head = f"China–North Korea trade ({series}): {fmt_usd_m(change['value'])} in {change['year']}"
    if change["change_pct"] is not None:
        head += f", {fmt_change(change['change_pct'])} on {change['prev_year']}"
    return head


def lead_figure(view: Any, params: Any) -> charts.Figure:
    series = params.trade_series
    other = other_series(series)
    rows = in_years(annual(view.trade), params.start, params.as_of)
    rows = rows[rows["series"].isin([series, other])]
    data = _year_axis_rows(rows, series, params.as_of)
    change = latest_change(rows[rows["series"] == series])
    marks = markers(view.events, params.start, params.as_of)
    labels = [f"{series} (lead)", f"{other} (comparison)"]
    color = alt.Scale(
        domain=labels, range=[charts.SERIES_COLORS[series], charts.SERIES_COLORS[other]]
    )
    height = 260
    top = float(data["value"].max()) * 1.08 if not data.empty else 1.0
    base = alt.Chart(charts.records(data)).encode(
        y=alt.Y("value:Q", title="US$ million (current)", scale=alt.Scale(domain=[0, top])),
        color=alt.Color("series_label:N", scale=color, title="Series"),
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("value:Q", title="US$ million", format=",.1f"),
            alt.Tooltip("source_id:N", title="Source"),
        ],
    )
    bars = (
        base.transform_filter(alt.datum.series == series)
        .mark_bar(stroke=charts.INK)
        .encode(
            x=charts.time_x(params.start, params.as_of, "slot_start:T"),
            x2="slot_end:T",
            y2=alt.datum(0),
            **charts.partial_encoding(),
        )
    )
    mid = charts.time_x(params.start, params.as_of, "year_mid:T")
    comparison = base.transform_filter(alt.datum.series == other).encode(x=mid)
    line = comparison.mark_line(strokeWidth=2, strokeDash=[5, 3]) + comparison.mark_point(
        filled=True, size=45
    )
    layers = [bars, line]
    if not marks.empty:
        layers.insert(0, charts.marker_layer(marks, params.start, params.as_of, height))
    chart = alt.layer(*layers).properties(width=charts.WIDTH, height=height)
    title = lead_title(change, series)
    subtitle = charts.with_note(
        f"Annual totals in US$ million, each in its year: {series} bars (lead series), "
        f"{other} dashed line. Grey rules: UNSC sanctions resolutions and the border closure.",
        charts.partial_note(params.as_of, data),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = (
        f"Bar chart of annual China–North Korea trade from {pd.Timestamp(params.start).year} "
        f"to {pd.Timestamp(params.as_of).year}, lead series {series} and {other} for comparison. "
        f"{title}."
    )
    ids = [*data["source_id"], *marks.get("source_id", [])]
    src = charts.source_line(f"{series} and {other}; the brief's event table", ids)
    return charts.Figure(chart, "trade-lead", alt_text, src)


def share_figure(view: Any, params: Any) -> charts.Figure:
    rows = in_years(china_share(view.trade), params.start, params.as_of)
    data = rows[["year", "partner_share_pct", "source_id"]].copy()
    data = charts.annual(data, params.as_of)
    lo = float(data["partner_share_pct"].min()) if not data.empty else 50.0
    floor = max(0.0, (lo // 10) * 10 - 10)
    chart = (
        alt.Chart(charts.records(data))
        .mark_line(
            point=alt.OverlayMarkDef(filled=True, size=40),
            strokeWidth=2.5,
            color=charts.SERIES_COLORS["KOTRA"],
        )
        .encode(
            x=charts.time_x(params.start, params.as_of, "year_mid:T"),
            y=alt.Y(
                "partner_share_pct:Q",
                title="China's share of NK trade, %",
                scale=alt.Scale(domain=[floor, 100], zero=False),
            ),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("partner_share_pct:Q", title="China's share (KOTRA), %", format=".1f"),
                alt.Tooltip("source_id:N", title="Source"),
            ],
        )
        .properties(width=charts.WIDTH, height=180)
    )
    if data.empty:
        title = "No KOTRA estimate of China's share of North Korea's trade is available yet"
    else:
        last = data.iloc[-1]
        title = (
            f"China's share of North Korea's recorded trade (KOTRA): "
            f"{fmt_pct(last['partner_share_pct'])} in {int(last['year'])}"
        )
    subtitle = charts.with_note(
        "KOTRA; inter-Korean trade excluded; each point in its year.",
        charts.baseline_note(floor, "%"),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = f"Line chart of China's share of North Korea's trade by year, KOTRA. {title}."
    src = charts.source_line(SERIES_NAMES["KOTRA"], data["source_id"])
    return charts.Figure(chart, "trade-share", alt_text, src)


def monthly_series(trade: pd.DataFrame, series: str) -> str:
    """The series whose monthly values are shown: the lead one if it has any, else GACC."""
    return series if not monthly(trade, series).empty else "GACC"


MONTHLY_YEARS = 3  # calendar years of monthly values shown (the annual chart has the rest)


def monthly_window(trade: pd.DataFrame, series: str, start: Any, as_of: Any) -> pd.DataFrame:
    """Monthly rows of the shown series in the last MONTHLY_YEARS calendar years to `as_of`."""
    rows = monthly(trade, series)
    hi = pd.Timestamp(as_of)
    lo = max(pd.Timestamp(start), pd.Timestamp(f"{hi.year - MONTHLY_YEARS + 1}-01-01"))
    return rows[(rows["when"] >= lo) & (rows["when"] <= hi)].reset_index(drop=True)


def monthly_figure(view: Any, params: Any) -> charts.Figure:
    series = monthly_series(view.trade, params.trade_series)
    rows = monthly_window(view.trade, series, params.start, params.as_of)
    data = rows[["when", "total_usd_m", "source_id", "confidence"]].copy()
    data["flag"] = data["confidence"].map(lambda c: "low confidence" if c == "low" else "")
    hi = pd.Timestamp(params.as_of)
    lo = max(pd.Timestamp(params.start), pd.Timestamp(f"{hi.year - MONTHLY_YEARS + 1}-01-01"))
    domain = [narrative.iso(lo), narrative.iso(hi + pd.offsets.MonthEnd(0))]
    chart = (
        alt.Chart(charts.records(data))
        .mark_bar(color=charts.SERIES_COLORS.get(series, charts.OKABE_ITO["vermillion"]))
        .encode(
            x=alt.X(
                "when:T",
                timeUnit="utcyearmonth",
                title=None,
                scale=alt.Scale(type="utc", domain=domain),
                axis=alt.Axis(
                    format="%b %Y",
                    formatType="utc",
                    tickCount={"interval": "month", "step": 3},
                    labelAngle=0,
                ),
            ),
            y=alt.Y("total_usd_m:Q", title=f"{series}, US$ million"),
            opacity=alt.condition(alt.datum.flag == "", alt.value(1.0), alt.value(0.4)),
            tooltip=[
                alt.Tooltip("when:T", title="Month", format="%B %Y", formatType="utc"),
                alt.Tooltip("total_usd_m:Q", title=f"{series}, US$ million", format=",.1f"),
                alt.Tooltip("flag:N", title="Note"),
                alt.Tooltip("source_id:N", title="Source"),
            ],
        )
        .properties(width=charts.WIDTH, height=190)
    )
    head = timeline.headline(data)
    if head.empty:
        title = f"No monthly {series} figure fit for a headline for {lo.year}–{hi.year}"
    else:
        last = head.iloc[-1]
        top = head.loc[head["total_usd_m"].idxmax()]
        title = (
            f"Monthly China–North Korea trade ({series}): {fmt_usd_m(last['total_usd_m'])} in "
            f"{narrative.fmt_date(last['when'], 'month')}"
        )
        if top["when"] != last["when"]:
            title += f"; highest shown: {narrative.fmt_date(top['when'], 'month')}"
        else:
            title += ", the highest firm figure shown"
    subtitle = (
        f"{series}, {lo.year}–{hi.year}; only months with a published figure have a bar; "
        "pale bars are low-confidence figures."
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = (
        f"Bar chart of monthly China–North Korea trade, {series}, {lo.year}–{hi.year}. {title}."
    )
    src = charts.source_line(
        f"{SERIES_NAMES.get(series, series)}, monthly releases", data["source_id"]
    )
    return charts.Figure(chart, "trade-monthly", alt_text, src)


# --------------------------------------------------------------------------- sentences


def _series_value(series: str, value: float, year: int) -> str:
    return f"{series}: {fmt_usd_m(value)} in {year}"


def lead_sentences(
    trade: pd.DataFrame, events: pd.DataFrame, series: str, start: Any, as_of: Any
) -> list[str]:
    rows = in_years(annual(trade, series=series), start, as_of)
    change = latest_change(rows)
    if change is None:
        return [
            f"No annual {series} figure for China–North Korea trade had been published by "
            f"{narrative.fmt_date(as_of)}."
        ]
    out = []
    first = (
        f"The lead series is {SERIES_NAMES[series]}. China–North Korea trade, "
        f"{_series_value(series, change['value'], change['year'])}"
    )
    if change["change_pct"] is not None:
        first += (
            f", {fmt_change(change['change_pct'])} on {change['prev_year']} "
            f"({series}: {fmt_usd_m(change['prev_value'])})"
        )
    out.append(narrative.with_cite(first + ".", [change["source_id"], change["prev_source_id"]]))
    head = timeline.headline(rows)
    if len(head) > 1:
        hi = head.loc[head["total_usd_m"].idxmax()]
        lo = head.loc[head["total_usd_m"].idxmin()]
        out.append(
            narrative.with_cite(
                f"Between {int(head['year'].min())} and {int(head['year'].max())} the {series} "
                f"series peaked at {fmt_usd_m(hi['total_usd_m'])} in {int(hi['year'])} and was "
                f"lowest at {fmt_usd_m(lo['total_usd_m'])} in {int(lo['year'])}.",
                [hi["source_id"], lo["source_id"]],
            )
        )
    out.extend(_marker_sentences(head, markers(events, start, as_of), series))
    years_missing = sorted(
        set(range(int(rows["year"].min()), int(rows["year"].max()) + 1)) - set(rows["year"])
    )
    if years_missing:
        out.append(
            f"No {series} annual total was found for "
            f"{narrative.join_words([str(y) for y in years_missing])}; the line joins the years "
            "on either side."
        )
    return out


def _value_in(rows: pd.DataFrame, year: int) -> pd.Series | None:
    hit = rows[rows["year"] == year]
    return None if hit.empty else hit.iloc[-1]


def _marker_sentences(rows: pd.DataFrame, marks: pd.DataFrame, series: str) -> list[str]:
    out = []
    sanc = marks[marks["kind"] == "UNSC sanctions"]
    if not sanc.empty:
        y0, y1 = int(sanc["when"].dt.year.min()), int(sanc["when"].dt.year.max())
        before, after = _value_in(rows, y0 - 1), _value_in(rows, y1 + 1)
        if before is not None and after is not None:
            span = str(y0) if y0 == y1 else f"{y0}–{y1}"
            out.append(
                narrative.with_cite(
                    f"Across the {narrative.plural(len(sanc), 'UNSC sanctions resolution')} of "
                    f"{span}, trade went from "
                    f"{_series_value(series, before['total_usd_m'], y0 - 1)} "
                    f"to {fmt_usd_m(after['total_usd_m'])} in {y1 + 1}.",
                    [before["source_id"], after["source_id"]],
                )
            )
    close = marks[marks["kind"] == "Border closure"]
    if not close.empty:
        first = close.iloc[0]
        y = int(first["when"].year)
        before = _value_in(rows, y - 1)
        later = rows[(rows["year"] >= y) & (rows["year"] <= y + 1)]
        if before is not None and not later.empty:
            low = later.loc[later["total_usd_m"].idxmin()]
            out.append(
                narrative.with_cite(
                    f"After the border closed in {narrative.fmt_date(first['when'], 'month')}, "
                    f"trade fell from {_series_value(series, before['total_usd_m'], y - 1)} to "
                    f"{fmt_usd_m(low['total_usd_m'])} in {int(low['year'])}.",
                    [first["source_id"], before["source_id"], low["source_id"]],
                )
            )
    return out


def gap_sentences(trade: pd.DataFrame, as_of: Any, recent: int = 3) -> list[str]:
    """The GACC–KOTRA gap: one explaining sentence, then both values for recent years."""
    gap = series_gap(trade)
    gap = gap[(gap["year"] <= pd.Timestamp(as_of).year) & ~gap["low"]]
    if gap.empty:
        return [
            "No year yet has both a GACC and a KOTRA figure, so the two series cannot be "
            "compared in this edition."
        ]
    last = gap.iloc[-1]
    out = [
        narrative.with_cite(
            f"The two series differ: for {int(last['year'])} KOTRA's figure for China–North Korea "
            f"trade is {fmt_usd_m(last['kotra'])} and GACC's {fmt_usd_m(last['gacc'])}, "
            f"a gap of {fmt_usd_m(abs(last['gap']))}, mainly because KOTRA adds an estimate of "
            "Chinese crude oil supplied by pipeline, which China's customs figures leave out.",
            [last["kotra_source"], last["gacc_source"]],
        )
    ]
    items = []
    for _, r in gap.tail(recent).iterrows():
        share = f", {fmt_pct(r['share'])} of North Korea's trade" if pd.notna(r["share"]) else ""
        items.append(
            f"GACC: {fmt_usd_m(r['gacc'])} in {int(r['year'])}; KOTRA: {fmt_usd_m(r['kotra'])}"
            f"{share} {narrative.cite([r['gacc_source'], r['kotra_source']])}"
        )
    out.append(narrative.bullets(items))
    return out


def share_sentence(trade: pd.DataFrame, start: Any, as_of: Any) -> str:
    rows = timeline.headline(in_years(china_share(trade), start, as_of))
    if rows.empty:
        return "No KOTRA estimate of China's share of North Korea's trade falls in the window."
    last, first = rows.iloc[-1], rows.iloc[0]
    text = (
        f"China's share of North Korea's recorded trade (KOTRA) was "
        f"{fmt_pct(last['partner_share_pct'])} in {int(last['year'])}"
    )
    if int(first["year"]) != int(last["year"]):
        text += f", against {fmt_pct(first['partner_share_pct'])} in {int(first['year'])}"
    return narrative.with_cite(text + ".", [last["source_id"], first["source_id"]])


def monthly_sentence(trade: pd.DataFrame, series: str, start: Any, as_of: Any) -> str:
    shown = monthly_series(trade, series)
    rows = monthly_window(trade, shown, start, as_of)
    if rows.empty:
        return f"No monthly {shown} figures fall in the window."
    lead = (
        ""
        if shown == series
        else f"{series} has no monthly figures; the months shown are {shown}'s. "
    )
    head = timeline.headline(rows)
    low = len(rows) - len(head)
    text = (
        f"{lead}Monthly figures exist for {narrative.plural(len(rows), 'month')} since "
        f"{narrative.fmt_date(rows['when'].min(), 'month')}"
    )
    if low:
        text += f", {low} of them flagged as low confidence and left out of what follows"
    if head.empty:
        return text + "."
    last = head.iloc[-1]
    top = head.loc[head["total_usd_m"].idxmax()]
    text += (
        f"; the latest, {narrative.fmt_date(last['when'], 'month')}, is "
        f"{shown}: {fmt_usd_m(last['total_usd_m'])}"
    )
    if top["when"] != last["when"]:
        text += (
            f", and the highest, {narrative.fmt_date(top['when'], 'month')}, "
            f"{fmt_usd_m(top['total_usd_m'])}"
        )
    return narrative.with_cite(text + ".", [last["source_id"], top["source_id"]])


def russia_sentences(trade: pd.DataFrame, series: str, as_of: Any) -> list[str]:
    rus = russia(trade)
    rus = rus[rus["year"] <= pd.Timestamp(as_of).year]
    if rus.empty:
        return ["No recorded Russia–North Korea trade figure is available in this edition."]
    head = timeline.headline(rus)
    out = []
    if not head.empty:
        r = head.iloc[-1]
        text = (
            f"Recorded Russia–North Korea trade is small by comparison: "
            f"{fmt_usd_m(r['total_usd_m'])} in {int(r['year'])} ({md_series(r['series'])})"
        )
        china = _value_in(annual(trade, series=series), int(r["year"]))
        ids = [r["source_id"]]
        if china is not None:
            text += (
                f", against {_series_value(series, china['total_usd_m'], int(r['year']))} "
                "for China–North Korea trade"
            )
            ids.append(china["source_id"])
        out.append(narrative.with_cite(text + ".", ids))
    low = rus[
        (rus["confidence"] == "low")
        & (rus["year"] > (int(head["year"].max()) if not head.empty else 0))
    ]
    for _, r in low.iterrows():
        out.append(
            narrative.with_cite(
                f"A later estimate, {fmt_usd_m(r['total_usd_m'])} for {int(r['year'])} "
                f"({md_series(r['series'])}), is flagged as low confidence.",
                [r["source_id"]],
            )
        )
    out.append(
        "These official figures leave out military transfers (munitions and troops for "
        "Russia's war, and what North Korea earns from them), so they understate the economic "
        "weight of the Russian relationship and cannot be set against China's trade as like "
        "for like."
    )
    return out


def md_series(name: str) -> str:
    return narrative.md_escape(RUSSIA_SERIES.get(name, name))


def text(view: Any, params: Any) -> str:
    parts = lead_sentences(view.trade, view.events, params.trade_series, params.start, params.as_of)
    return " ".join(parts)


def gap_text(view: Any, params: Any) -> str:
    return "\n\n".join(gap_sentences(view.trade, params.as_of))


def share_text(view: Any, params: Any) -> str:
    return " ".join(
        [
            share_sentence(view.trade, params.start, params.as_of),
            monthly_sentence(view.trade, params.trade_series, params.start, params.as_of),
        ]
    )


def russia_text(view: Any, params: Any) -> str:
    return " ".join(russia_sentences(view.trade, params.trade_series, params.as_of))


def facts(view: Any, params: Any) -> dict[str, Any]:
    numbers: dict[str, Any] = {}
    for series in CHINA_SERIES:
        change = latest_change(
            in_years(annual(view.trade, series=series), params.start, params.as_of)
        )
        if change:
            numbers[f"trade.{series}.latest"] = {
                "label": f"{series} China–NK trade {change['year']}",
                "value": round(change["value"], 2),
                "unit": "US$ m",
            }
            if change["change_pct"] is not None:
                numbers[f"trade.{series}.change"] = {
                    "label": f"{series} China–NK trade change "
                    f"{change['prev_year']}–{change['year']}",
                    "value": round(change["change_pct"], 1),
                    "unit": "%",
                }
    share = timeline.headline(china_share(view.trade))
    if not share.empty:
        last = share.iloc[-1]
        numbers["trade.KOTRA.china_share"] = {
            "label": f"China's share of NK trade (KOTRA) {int(last['year'])}",
            "value": round(float(last["partner_share_pct"]), 1),
            "unit": "%",
        }
    gap = series_gap(view.trade)
    gap = gap[~gap["low"]]
    if not gap.empty:
        last = gap.iloc[-1]
        numbers["trade.gap.latest"] = {
            "label": f"KOTRA minus GACC, China–NK trade {int(last['year'])}",
            "value": round(float(last["gap"]), 2),
            "unit": "US$ m",
        }
    rus = timeline.headline(russia(view.trade))
    if not rus.empty:
        r = rus.iloc[-1]
        numbers["trade.RUS.latest"] = {
            "label": f"Russia–NK recorded trade {int(r['year'])} ({r['series']})",
            "value": round(float(r["total_usd_m"]), 2),
            "unit": "US$ m",
        }
    return {"numbers": numbers}
