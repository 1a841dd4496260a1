"""Trade and dependence: the lead China–North Korea series, the other series beside it,
China's share of North Korea's trade, monthly values, and Russia's small recorded trade.

Rules kept here: every number names its series; GACC (China's customs) and KOTRA (South
Korea's reconstruction, which adds an estimate of Chinese crude oil) are never merged;
low-confidence rows stay out of headline statements unless flagged.
"""

from __future__ import annotations

import math
import re
from typing import Any

import altair as alt
import pandas as pd

from analysis import charts, narrative, registry, timeline
from analysis.data import Tables
from analysis.narrative import fmt_pct, fmt_usd_m
from analysis.params import BriefParams
from analysis.text import join as join_words
from analysis.text import number, say

# Series come from the registry: a new one is a data edit plus one registry entry.
CHINA_SERIES = registry.lead_series()
CUSTOMS = registry.series_with_role("customs")  # China's own record (GACC)
RECONSTRUCTION = registry.series_with_role("reconstruction")  # KOTRA, with China's share
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


def is_exact(value: Any) -> bool:
    """Whether a figure was given with decimals (an exact customs figure), not rounded."""
    return not float(value).is_integer()


def _derived(row: Any) -> bool:
    return bool(row.get("total_derived", False)) if hasattr(row, "get") else False


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
        "exact": is_exact(last["total_usd_m"]),
        "derived": _derived(last),
        "source_id": last["source_id"],
        "prev_year": None,
        "prev_value": None,
        "prev_exact": None,
        "change_pct": None,
        "prev_source_id": None,
    }
    prev = rows[rows["year"] == out["year"] - 1]
    if not prev.empty:
        p = prev.iloc[-1]
        out.update(
            prev_year=int(p["year"]),
            prev_value=float(p["total_usd_m"]),
            prev_exact=is_exact(p["total_usd_m"]),
            change_pct=(out["value"] / float(p["total_usd_m"]) - 1) * 100,
            prev_source_id=p["source_id"],
        )
    return out


def series_gap(trade: pd.DataFrame) -> pd.DataFrame:
    """Years with both China series: GACC, KOTRA, KOTRA minus GACC, KOTRA's China share."""
    a = annual(trade)
    gacc = a[a["series"] == CUSTOMS].set_index("year")
    kotra = a[a["series"] == RECONSTRUCTION].set_index("year")
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
        & (t["series"] == RECONSTRUCTION)
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
    for r in sanc[["when", "description", "source_id"]].to_dict("records"):
        m = _RESOLUTION.search(str(r["description"]))
        rows.append(
            {
                "when": r["when"],
                "kind": "UNSC sanctions",
                "number": m.group(1) if m else "",
                "marker": say("trade.marker.resolution", number=m.group(1))
                if m
                else say("trade.marker.unnumbered"),
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
                "number": "",
                "marker": say("trade.marker.closure"),
                "source_id": r["source_id"],
            }
        )
    out = pd.DataFrame(rows, columns=["when", "kind", "number", "marker", "source_id"])
    if out.empty:
        out["tag"] = pd.Series(dtype=str)
        return out
    out = out.sort_values("when", kind="stable").reset_index(drop=True)
    out["group"] = out["kind"] + out["when"].dt.year.astype(str)
    first = ~out["group"].duplicated()
    names = {group: _join_markers(part) for group, part in out.groupby("group", sort=False)}
    out["tag"] = out["group"].map(names).where(first, "")
    # One closure per year is enough on an annual chart.
    dup_closure = (out["kind"] == "Border closure") & ~first
    return out[~dup_closure].drop(columns=["group", "number"]).reset_index(drop=True)


def _join_markers(rows: pd.DataFrame) -> str:
    """One label for the rules of a year: 'UNSCR 2371, 2375', or the single marker."""
    numbers = [n for n in dict.fromkeys(rows["number"]) if n]
    if len(numbers) > 1 and len(numbers) == len(rows):
        return say("trade.marker.resolutions", numbers=", ".join(numbers))
    return ", ".join(dict.fromkeys(rows["marker"]))


# --------------------------------------------------------------------------- figures


def _year_axis_rows(rows: pd.DataFrame, lead: str, as_of: Any) -> pd.DataFrame:
    """Annual rows in their year's band (charts.annual): the lead series as bars, the
    others as points at mid-year."""
    out = rows[["series", "year", "total_usd_m", "source_id", "confidence"]].copy()
    out = charts.slots(charts.annual(out, as_of).assign(band=0), "band", [0], pad=0.12)
    out["role"] = out["series"].map(
        lambda s: "lead series" if s == lead else "shown for comparison"
    )
    out["value"] = out["total_usd_m"].round(1)
    out["series_label"] = out["series"].map(lambda s: _legend(s, lead))
    return out


def _legend(code: str, lead: str) -> str:
    return say("trade.legend_lead" if code == lead else "trade.legend_comparison", code=code)


def lead_title(change: dict[str, Any] | None, series: str) -> str:
    if change is None:
        return say("trade.title_lead_none", code=series)
    tail = ""
    if change["change_pct"] is not None:
        tail = say(
            "trade.title_lead_change", change=change_phrase(change), prev_year=change["prev_year"]
        )
    return say(
        "trade.title_lead",
        code=series,
        value=amount(change["value"], change["derived"], change["exact"], short=True),
        year=change["year"],
        change=tail,
    )


def lead_figure(view: Tables, params: BriefParams) -> charts.Figure:
    series = params.trade_series
    others = list(registry.comparison_series(series))  # every other lead-able series
    rows = in_years(annual(view.trade), params.start, params.as_of)
    rows = rows[rows["series"].isin([series, *others])]
    data = _year_axis_rows(rows, series, params.as_of)
    change = latest_change(rows[rows["series"] == series])
    marks = markers(view.events, params.start, params.as_of)
    shown = [series, *others]
    color = alt.Scale(
        domain=[_legend(code, series) for code in shown],
        range=[charts.SERIES_COLORS[code] for code in shown],
    )
    height = 260
    top = float(data["value"].max()) * 1.08 if not data.empty else 1.0
    base = alt.Chart(charts.records(data)).encode(
        y=alt.Y("value:Q", title=say("axes.usd_million_current"), scale=alt.Scale(domain=[0, top])),
        color=alt.Color("series_label:N", scale=color, title=say("axes.series")),
        tooltip=[
            alt.Tooltip("series:N", title=say("axes.series")),
            alt.Tooltip("year:O", title=say("axes.year")),
            alt.Tooltip("value:Q", title=say("axes.usd_million"), format=",.1f"),
            alt.Tooltip("source_id:N", title=say("axes.source")),
        ],
    )
    bars = (
        base.transform_filter(alt.datum.series == series)
        .mark_bar(stroke=charts.INK)
        .encode(
            x=charts.time_x(params.start, params.as_of, "slot_start:T"),
            x2=alt.X2("slot_end:T"),
            y2=alt.Y2Datum(0),
            **charts.partial_encoding(),
        )
    )
    mid = charts.time_x(params.start, params.as_of, "year_mid:T")
    comparison = base.transform_filter(
        alt.FieldOneOfPredicate(field="series", oneOf=others)
    ).encode(x=mid)
    line = comparison.mark_line(strokeWidth=2, strokeDash=[5, 3]) + comparison.mark_point(
        filled=True, size=45
    )
    layers = [bars, line]
    if not marks.empty:
        layers.insert(0, charts.marker_layer(marks, params.start, params.as_of, height))
    chart = alt.layer(*layers, width=charts.WIDTH, height=height)
    title = lead_title(change, series)
    subtitle = charts.with_note(
        say("trade.subtitle_lead", code=series, others=join_words(others)),
        charts.partial_note(params.as_of, data),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = say(
        "trade.alt_lead",
        y0=pd.Timestamp(params.start).year,
        y1=pd.Timestamp(params.as_of).year,
        lead=series,
        other=join_words(others),
        title=title,
    )
    ids = [*data["source_id"], *marks.get("source_id", [])]
    src = charts.source_line(say("trade.source_lead", codes=join_words(shown)), ids)
    return charts.Figure(chart, "trade-lead", alt_text, src)


def share_figure(view: Tables, params: BriefParams) -> charts.Figure:
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
            color=charts.SERIES_COLORS[RECONSTRUCTION],
        )
        .encode(
            x=charts.time_x(params.start, params.as_of, "year_mid:T"),
            y=alt.Y(
                "partner_share_pct:Q",
                title=say("axes.china_s_share_of_nk_trade_pct"),
                scale=alt.Scale(domain=[floor, 100], zero=False),
            ),
            tooltip=[
                alt.Tooltip("year:O", title=say("axes.year")),
                alt.Tooltip(
                    "partner_share_pct:Q", title=say("axes.china_s_share_kotra_pct"), format=".1f"
                ),
                alt.Tooltip("source_id:N", title=say("axes.source")),
            ],
        )
        .properties(width=charts.WIDTH, height=180)
    )
    if data.empty:
        title = say("trade.title_share_none")
    else:
        last = data.iloc[-1]
        title = say(
            "trade.title_share",
            share=fmt_pct(last["partner_share_pct"]),
            year=int(last["year"]),
        )
    subtitle = charts.with_note(
        say("trade.subtitle_share", code=RECONSTRUCTION),
        charts.baseline_note(floor, "%"),
    )
    chart = charts.house(chart, title, subtitle)
    alt_text = say("trade.alt_share", title=title)
    src = charts.source_line(registry.series_label(RECONSTRUCTION), data["source_id"])
    return charts.Figure(chart, "trade-share", alt_text, src)


def monthly_series(trade: pd.DataFrame, series: str) -> str:
    """The series whose monthly values are shown: the lead one if it has any, else GACC."""
    return series if not monthly(trade, series).empty else CUSTOMS


MONTHLY_YEARS = 3  # calendar years of monthly values shown (the annual chart has the rest)


def monthly_window(trade: pd.DataFrame, series: str, start: Any, as_of: Any) -> pd.DataFrame:
    """Monthly rows of the shown series in the last MONTHLY_YEARS calendar years to `as_of`."""
    rows = monthly(trade, series)
    hi = pd.Timestamp(as_of)
    lo = max(pd.Timestamp(start), pd.Timestamp(f"{hi.year - MONTHLY_YEARS + 1}-01-01"))
    return rows[(rows["when"] >= lo) & (rows["when"] <= hi)].reset_index(drop=True)


def monthly_figure(view: Tables, params: BriefParams) -> charts.Figure:
    series = monthly_series(view.trade, params.trade_series)
    rows = monthly_window(view.trade, series, params.start, params.as_of)
    data = rows[["when", "total_usd_m", "source_id", "confidence"]].copy()
    data["flag"] = data["confidence"].map(lambda c: say("trade.flag_low") if c == "low" else "")
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
                    # No formatType: with a utc timeUnit Vega-Lite formats in UTC, and a
                    # formatType here makes it drop `format` for its default English labels.
                    format=say("axes.month_axis_format"),
                    labelExpr=month_ticks(),
                    tickCount={"interval": "month", "step": 3},
                    labelAngle=0,
                ),
            ),
            y=alt.Y("total_usd_m:Q", title=say("axes.usd_million_of", code=series)),
            opacity=alt.OpacityValue(
                **alt.condition(alt.datum.flag == "", alt.value(1.0), alt.value(0.4))
            ),
            tooltip=[
                alt.Tooltip(
                    "when:T",
                    title=say("axes.month"),
                    format=say("axes.month_format"),
                    formatType="utc",
                ),
                alt.Tooltip(
                    "total_usd_m:Q", title=say("axes.usd_million_of", code=series), format=",.1f"
                ),
                alt.Tooltip("flag:N", title=say("axes.note")),
                alt.Tooltip("source_id:N", title=say("axes.source")),
            ],
        )
        .properties(width=charts.WIDTH, height=190)
    )
    title = monthly_title(rows, series, lo, hi)
    subtitle = say("trade.subtitle_monthly", code=series, y0=lo.year, y1=hi.year)
    chart = charts.house(chart, title, subtitle)
    alt_text = say("trade.alt_monthly", code=series, y0=lo.year, y1=hi.year, title=title)
    src = charts.source_line(
        say("charts.source.monthly", series=registry.series_label(series)), data["source_id"]
    )
    return charts.Figure(chart, "trade-monthly", alt_text, src)


def month_ticks() -> str:
    """Month ticks as the catalogue writes them: January's with its year, the others in the
    short form (Korean '2025년 1월', '4월', …; English keeps 'Apr 2025')."""
    full, short = say("axes.month_axis_format"), say("axes.month_axis_format_short")
    return (
        f"utcmonth(datum.value) == 0 ? utcFormat(datum.value, '{full}')"
        f" : utcFormat(datum.value, '{short}')"
    )


def monthly_title(rows: pd.DataFrame, series: str, lo: Any, hi: Any) -> str:
    head = timeline.headline(rows)
    if head.empty:
        return say("trade.title_monthly_none", code=series, y0=lo.year, y1=hi.year)
    last = head.iloc[-1]
    top = head.loc[head["total_usd_m"].idxmax()]
    if top["when"] != last["when"]:
        tail = say("trade.title_monthly_top", month=narrative.fmt_date(top["when"], "month"))
    else:
        tail = say("trade.title_monthly_is_top")
    return say(
        "trade.title_monthly",
        code=series,
        value=amount(
            last["total_usd_m"], _derived(last), is_exact(last["total_usd_m"]), short=True
        ),
        month=narrative.fmt_date(last["when"], "month"),
        tail=tail,
    )


# --------------------------------------------------------------------------- sentences

APPROX_SHARES = (10, 20, 25, 33, 50, 67, 75)  # percentages with a word (trade.shares)


def amount(value: float, derived: bool = False, exact: bool = True, short: bool = False) -> str:
    """A figure in words: 'US$2,295 million', 'about US$2,180 million', '…, derived from …'.

    `short` (chart titles) marks a derived total '(derived)'.
    """
    text = say("trade.value", about="" if exact else say("trade.about"), amount=fmt_usd_m(value))
    if not derived:
        return text
    return say("trade.derived_short" if short else "trade.derived", amount=text)


def change_phrase(change: dict[str, Any]) -> str:
    """'up 123.3%' from two exact figures; 'up about a quarter' when either is rounded."""
    pct = float(change["change_pct"])
    if change["exact"] and change["prev_exact"]:
        if round(pct, 1) == 0:
            return say("trade.change.flat")
        key = "trade.change.up" if pct > 0 else "trade.change.down"
        return say(key, pct=f"{abs(pct):.1f}")
    return approx_change(pct)


def approx_change(pct: float) -> str:
    """A change stated approximately, for figures that were rounded at source."""
    ratio = 1 + pct / 100
    if ratio >= 2.5:
        return say("trade.change.times", times=number(round(ratio)))
    if ratio >= 2:
        return say("trade.change.doubled")
    size = abs(pct)
    if size < 2:
        return say("trade.change.flat")
    direction = "up" if pct > 0 else "down"
    near = [s for s in APPROX_SHARES if abs(s - size) <= 2.5]
    if near:
        return say(f"trade.change.about_{direction}", share=say(f"trade.shares.{near[0]}"))
    step = 5 if size >= 10 else 1
    return say(f"trade.change.about_{direction}_pct", pct=int(step * round(size / step)))


def _row_amount(row: Any) -> str:
    return amount(row["total_usd_m"], _derived(row), is_exact(row["total_usd_m"]))


def lead_sentences(
    trade: pd.DataFrame, events: pd.DataFrame, series: str, start: Any, as_of: Any
) -> list[str]:
    rows = in_years(annual(trade, series=series), start, as_of)
    change = latest_change(rows)
    if change is None:
        return [
            say(
                "trade.lead_none",
                series=registry.series_label(series),
                as_of=narrative.fmt_date(as_of),
            )
        ]
    tail = ""
    if change["change_pct"] is not None:
        tail = say(
            "trade.lead_change",
            change=change_phrase(change),
            prev=amount(change["prev_value"], exact=bool(change["prev_exact"])),
            prev_year=change["prev_year"],
        )
    out = [
        say(
            "trade.lead",
            series=registry.series_label(series),
            value=amount(change["value"], change["derived"], change["exact"]),
            year=change["year"],
            change=tail,
            cite=narrative.cite([change["source_id"], change["prev_source_id"]]),
        )
    ]
    head = timeline.headline(rows)
    # the series' peak and low are the chart's to show; the closure's fall is stated
    out.extend(_marker_sentences(head, markers(events, start, as_of), series))
    # a year without a total is a limit of the data, stated once, in the outlook's limits
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
            out.append(
                say(
                    "trade.sanctions",
                    resolutions=say("trade.resolutions", n=len(sanc), count=number(len(sanc))),
                    span=str(y0) if y0 == y1 else f"{y0}–{y1}",
                    code=series,
                    before=_row_amount(before),
                    y_before=y0 - 1,
                    after=_row_amount(after),
                    y_after=y1 + 1,
                    cite=narrative.cite([before["source_id"], after["source_id"]]),
                )
            )
    close = marks[marks["kind"] == "Border closure"]
    if not close.empty:
        first = close.iloc[0]
        y = int(first["when"].year)
        before = _value_in(rows, y - 1)
        later = rows[(rows["year"] >= y) & (rows["year"] <= y + 1)]
        latest = rows.iloc[-1] if not rows.empty else None
        if before is not None and latest is not None and int(latest["year"]) > y + 1:
            # years after the fall: the latest year against the last one before the closure
            out.append(_recovery_sentence(latest, before, first))
        elif before is not None and not later.empty:
            low = later.loc[later["total_usd_m"].idxmin()]
            out.append(
                say(
                    "trade.closure",
                    month=narrative.fmt_date(first["when"], "month"),
                    code=series,
                    before=_row_amount(before),
                    y_before=y - 1,
                    low=_row_amount(low),
                    low_year=int(low["year"]),
                    cite=narrative.cite(
                        [first["source_id"], before["source_id"], low["source_id"]]
                    ),
                )
            )
    return out


def _recovery_sentence(latest: pd.Series, before: pd.Series, closure: pd.Series) -> str:
    """The latest year's total against the last full year before the border closed, in
    words ("about 80% of", "close to", "above"): a ratio of rounded figures, rounded to 5%."""
    ratio = float(latest["total_usd_m"]) / float(before["total_usd_m"])
    values = {
        "y_before": int(before["year"]),
        "cite": narrative.cite([before["source_id"], closure["source_id"]]),
    }
    if ratio >= 1.05:
        return say("trade.recovery.above", **values)
    if ratio >= 0.95:
        return say("trade.recovery.level", **values)
    return say("trade.recovery.below", pct=int(round(ratio * 20) * 5), **values)


def gap_sentences(trade: pd.DataFrame, as_of: Any, recent: int = 3, start: Any = None) -> list[str]:
    """The GACC–KOTRA gap: the latest year explained, how often KOTRA is higher (in the
    edition's window: years before it are not the edition's), a table."""
    gap = series_gap(trade)
    gap = gap[(gap["year"] <= pd.Timestamp(as_of).year) & ~gap["low"]]
    if start is not None:
        gap = gap[gap["year"] >= pd.Timestamp(start).year]
    if gap.empty:
        return [say("trade.gap_none")]
    last = gap.iloc[-1]
    key = "trade.gap_higher" if last["gap"] > 0 else "trade.gap_lower"
    out = [
        say(
            key,
            year=int(last["year"]),
            gap=fmt_usd_m(abs(last["gap"])),
            cite=narrative.cite([last["kotra_source"], last["gacc_source"]]),
        )
    ]
    lower = gap[gap["gap"] <= 0]
    exceptions = (
        say("trade.gap_exceptions", years=join_words([str(int(y)) for y in lower["year"]]))
        if not lower.empty
        else ""
    )
    out.append(
        say(
            "trade.gap_years",
            higher=number(len(gap) - len(lower)),
            years=number(len(gap)),
            since=int(gap["year"].min()),
            exceptions=exceptions,
        )
    )
    rows = []
    for _, r in gap.tail(recent).iterrows():
        share = fmt_pct(r["share"]) if pd.notna(r["share"]) else "—"
        cite = narrative.cite([r["gacc_source"], r["kotra_source"]])
        rows.append(
            [
                str(int(r["year"])),
                fmt_usd_m(r["gacc"]),
                fmt_usd_m(r["kotra"]),
                fmt_usd_m(r["gap"]),
                f"{share} {cite}",
            ]
        )
    header = [say(f"trade.gap_col.{c}") for c in ("year", "gacc", "kotra", "gap", "share")]
    out.append(narrative.md_table(header, rows, align="lrrrl", widths=[8, 16, 16, 16, 30]))
    return out


def share_sentence(trade: pd.DataFrame, start: Any, as_of: Any) -> str:
    rows = timeline.headline(in_years(china_share(trade), start, as_of))
    if rows.empty:
        return say("trade.share_none")
    last, first = rows.iloc[-1], rows.iloc[0]
    earlier = ""
    if int(first["year"]) != int(last["year"]):
        earlier = say(
            "trade.share_earlier",
            first=fmt_pct(first["partner_share_pct"]),
            first_year=int(first["year"]),
        )
    return say(
        "trade.share",
        last=fmt_pct(last["partner_share_pct"]),
        year=int(last["year"]),
        earlier=earlier,
        cite=narrative.cite([last["source_id"], first["source_id"]]),
    )


def monthly_sentence(trade: pd.DataFrame, series: str, start: Any, as_of: Any) -> str:
    shown = monthly_series(trade, series)
    rows = monthly_window(trade, shown, start, as_of)
    if rows.empty:
        return say("trade.monthly_none", code=shown)
    out = [] if shown == series else [say("trade.monthly_instead", lead=series, code=shown)]
    head = timeline.headline(rows)
    low = len(rows) - len(head)
    out.append(
        say(
            "trade.monthly",
            code=shown,
            # the span the chart shows, so the count is not read as the whole record's
            y0=max(pd.Timestamp(start).year, pd.Timestamp(as_of).year - MONTHLY_YEARS + 1),
            months=say("trade.months", n=len(rows), count=number(len(rows))),
            first=narrative.fmt_date(rows["when"].min(), "month"),
            last_month=narrative.fmt_date(rows["when"].max(), "month"),
            low=say("trade.monthly_low", count=number(low)) if low else "",
        )
    )
    if not head.empty:
        last = head.iloc[-1]
        top = head.loc[head["total_usd_m"].idxmax()]
        out.append(
            say(
                "trade.monthly_latest",
                month=narrative.fmt_date(last["when"], "month"),
                value=_row_amount(last),
                cite=narrative.cite([last["source_id"]]),
            )
        )
        if top["when"] != last["when"]:
            out.append(
                say(
                    "trade.monthly_highest",
                    value=_row_amount(top),
                    month=narrative.fmt_date(top["when"], "month"),
                    cite=narrative.cite([top["source_id"]]),
                )
            )
    return " ".join(out)


def russia_sentences(trade: pd.DataFrame, series: str, as_of: Any) -> list[str]:
    rus = russia(trade)
    rus = rus[rus["year"] <= pd.Timestamp(as_of).year]
    if rus.empty:
        return [say("trade.russia_none")]
    head = timeline.headline(rus)
    out = []
    if not head.empty:
        r = head.iloc[-1]
        china = _value_in(annual(trade, series=series), int(r["year"]))
        values = {
            "series": narrative.capital(md_series(r["series"])),
            "value": _row_amount(r),
            "year": int(r["year"]),
        }
        if china is not None:
            out.append(
                say(
                    "trade.russia",
                    # a ceiling in whole per cent: the figures are rounded at source
                    pct=max(1, math.ceil(100 * r["total_usd_m"] / china["total_usd_m"])),
                    china_series=registry.series_label(series),
                    cite=narrative.cite([r["source_id"], china["source_id"]]),
                    **values,
                )
            )
        else:
            out.append(say("trade.russia_alone", cite=narrative.cite([r["source_id"]]), **values))
    low = rus[
        (rus["confidence"] == "low")
        & (rus["year"] > (int(head["year"].max()) if not head.empty else 0))
    ]
    for _, r in low.iterrows():
        out.append(
            say(
                "trade.russia_low",
                value=_row_amount(r),
                year=int(r["year"]),
                series=md_series(r["series"]),
                cite=narrative.cite([r["source_id"]]),
            )
        )
    return out


def md_series(name: str) -> str:
    return narrative.md_escape(registry.series_label(name))


def text(view: Tables, params: BriefParams) -> str:
    parts = lead_sentences(view.trade, view.events, params.trade_series, params.start, params.as_of)
    return " ".join(parts)


def gap_text(view: Tables, params: BriefParams) -> str:
    return "\n\n".join(gap_sentences(view.trade, params.as_of, start=params.start))


def share_text(view: Tables, params: BriefParams) -> str:
    return " ".join(
        [
            share_sentence(view.trade, params.start, params.as_of),
            monthly_sentence(view.trade, params.trade_series, params.start, params.as_of),
        ]
    )


def russia_text(view: Tables, params: BriefParams) -> str:
    return " ".join(russia_sentences(view.trade, params.trade_series, params.as_of))


def facts(view: Tables, params: BriefParams) -> dict[str, Any]:
    """Year-keyed figures (like with like across editions): totals, changes, share, gap."""
    numbers: dict[str, Any] = {}
    for series in CHINA_SERIES:
        rows = timeline.headline(
            in_years(annual(view.trade, series=series), params.start, params.as_of)
        )
        for _, r in rows.tail(3).iterrows():
            year = int(r["year"])
            numbers[f"trade.{series.lower()}.{year}"] = {
                "label": say(
                    "trade.fact.total_derived" if _derived(r) else "trade.fact.total",
                    code=series,
                    year=year,
                ),
                "value": round(float(r["total_usd_m"]), 2),
                "unit": "US$ m",
            }
        change = latest_change(rows)
        if change and change["change_pct"] is not None:
            # A change between rounded figures is kept to whole per cent, and says so.
            exact = bool(change["exact"] and change["prev_exact"])
            span = f"{change['prev_year']}-{change['year']}"
            numbers[f"trade.{series.lower()}.change.{span}"] = {
                "label": say(
                    "trade.fact.change" if exact else "trade.fact.change_approx",
                    code=series,
                    y0=change["prev_year"],
                    y1=change["year"],
                ),
                "value": round(change["change_pct"], 1 if exact else None),
                "unit": "%",
            }
    share = timeline.headline(in_years(china_share(view.trade), params.start, params.as_of))
    if not share.empty:
        last = share.iloc[-1]
        year = int(last["year"])
        numbers[f"trade.{RECONSTRUCTION.lower()}.china_share.{year}"] = {
            "label": say("trade.fact.share", code=RECONSTRUCTION, year=year),
            "value": round(float(last["partner_share_pct"]), 1),
            "unit": "%",
        }
    gap = series_gap(view.trade)
    gap = gap[~gap["low"] & (gap["year"] <= pd.Timestamp(params.as_of).year)]
    if not gap.empty:
        last = gap.iloc[-1]
        year = int(last["year"])
        numbers[f"trade.gap.{year}"] = {
            "label": say(
                "trade.fact.gap", reconstruction=RECONSTRUCTION, customs=CUSTOMS, year=year
            ),
            "value": round(float(last["gap"]), 2),
            "unit": "US$ m",
        }
    rus = timeline.headline(russia(view.trade))
    rus = rus[rus["year"] <= pd.Timestamp(params.as_of).year]
    if not rus.empty:
        r = rus.iloc[-1]
        year = int(r["year"])
        numbers[f"trade.rus.{year}"] = {
            "label": say("trade.fact.russia", year=year, series=md_series(r["series"])),
            "value": round(float(r["total_usd_m"]), 2),
            "unit": "US$ m",
        }
    return {"numbers": numbers}
