# ruff: noqa: E501
"""Small hand-made tables with the columns of docs/ARCHITECTURE.md, for the topic tests.

The values follow the research fact base closely enough for the sentences to read true,
but the tests never depend on the real data files.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd

from analysis.params import BriefParams

EVENTS = [
    # event_id, date, published, a, b, type, description, source, confidence
    (
        "e01",
        "2013-02-12",
        "2013-02-12",
        "PRK",
        "",
        "test",
        "Third nuclear test at Punggye-ri.",
        "src-a",
        "high",
    ),
    (
        "e02",
        "2013-05-22",
        "2013-05-24",
        "PRK",
        "CHN",
        "visit",
        "Choe Ryong Hae visits Beijing as special envoy; delivers a letter.",
        "src-a",
        "high",
    ),
    ("e03", "2016-01-06", "2016-01-06", "PRK", "", "test", "Fourth nuclear test.", "src-a", "high"),
    (
        "e04",
        "2016-03-02",
        "2016-03-02",
        "UNSC",
        "PRK",
        "sanction",
        "UNSC unanimously adopts Resolution 2270 (with China's vote) after the fourth test.",
        "src-b",
        "high",
    ),
    ("e05", "2016-09-09", "2016-09-09", "PRK", "", "test", "Fifth nuclear test.", "src-a", "high"),
    (
        "e06",
        "2016-11-30",
        "2016-11-30",
        "UNSC",
        "PRK",
        "sanction",
        "UNSC unanimously adopts Resolution 2321: coal cap.",
        "src-b",
        "high",
    ),
    ("e07", "2017-09-03", "2017-09-03", "PRK", "", "test", "Sixth nuclear test.", "src-a", "high"),
    (
        "e08",
        "2017-09-11",
        "2017-09-11",
        "UNSC",
        "PRK",
        "sanction",
        "UNSC unanimously adopts Resolution 2375 (textile ban).",
        "src-b",
        "high",
    ),
    (
        "e09",
        "2017-12-22",
        "2017-12-22",
        "UNSC",
        "PRK",
        "sanction",
        "UNSC unanimously adopts Resolution 2397 (China voted yes).",
        "src-b",
        "high",
    ),
    (
        "e10",
        "2018-03-25",
        "2018-03-28",
        "PRK",
        "CHN",
        "summit",
        "1st Kim-Xi summit, Beijing (Mar 25-28).",
        "src-c",
        "high",
    ),
    (
        "e11",
        "2018-05-07",
        "2018-05-08",
        "PRK",
        "CHN",
        "summit",
        "2nd Kim-Xi summit, Dalian.",
        "src-c",
        "high",
    ),
    (
        "e12",
        "2018-06-19",
        "2018-06-20",
        "PRK",
        "CHN",
        "summit",
        "3rd Kim-Xi summit, Beijing.",
        "src-c",
        "high",
    ),
    (
        "e13",
        "2019-01-07",
        "2019-01-10",
        "PRK",
        "CHN",
        "summit",
        "4th Kim-Xi summit, Beijing.",
        "src-c",
        "high",
    ),
    (
        "e14",
        "2019-04-25",
        "2019-04-25",
        "PRK",
        "RUS",
        "summit",
        "1st Kim-Putin summit, Vladivostok.",
        "src-d",
        "high",
    ),
    (
        "e15",
        "2019-06-20",
        "2019-06-21",
        "CHN",
        "PRK",
        "summit",
        "5th Kim-Xi summit: Xi state visit to Pyongyang.",
        "src-c",
        "high",
    ),
    (
        "e16",
        "2019-12-16",
        "2019-12-16",
        "CHN",
        "UNSC",
        "statement",
        "China and Russia circulate a draft UNSC resolution to ease sanctions.",
        "src-b",
        "high",
    ),
    (
        "e17",
        "2020-01-31",
        "2020-01-31",
        "PRK",
        "CHN",
        "border",
        "NK suspends all air and train routes with China.",
        "src-e",
        "high",
    ),
    (
        "e18",
        "2022-05-26",
        "2022-05-26",
        "CHN",
        "UNSC",
        "un_vote",
        "China and Russia veto US-drafted UNSC resolution to tighten sanctions (13-2).",
        "src-b",
        "high",
    ),
    (
        "e19",
        "2023-09-13",
        "2023-09-13",
        "PRK",
        "RUS",
        "summit",
        "2nd Kim-Putin summit at Vostochny Cosmodrome.",
        "src-d",
        "high",
    ),
    (
        "e20",
        "2024",
        "2024-07-01",
        "CHN",
        "PRK",
        "economic",
        "Reports that Beijing demanded repatriation of NK laborers.",
        "src-e",
        "low",
    ),
    (
        "e21",
        "2024-03-28",
        "2024-03-28",
        "RUS",
        "UNSC",
        "un_vote",
        "Russia vetoes renewal of the Panel of Experts mandate (13-1-1); China abstains.",
        "src-b",
        "high",
    ),
    (
        "e22",
        "2024-04-11",
        "2024-04-13",
        "CHN",
        "PRK",
        "visit",
        "NPC Chairman Zhao Leji visits Pyongyang (Apr 11-13).",
        "src-c",
        "high",
    ),
    (
        "e23",
        "2024-06-19",
        "2024-06-19",
        "RUS",
        "PRK",
        "summit",
        "Putin in Pyongyang; Kim and Putin sign the Comprehensive Strategic Partnership Treaty.",
        "src-d",
        "high",
    ),
    (
        "e24",
        "2024-10-23",
        "2024-10-23",
        "PRK",
        "RUS",
        "military",
        "US confirms NK troops have been sent to Russia.",
        "src-d",
        "medium",
    ),
    (
        "e25",
        "2024-12-04",
        "2024-12-04",
        "PRK",
        "RUS",
        "treaty",
        "Treaty enters into force.",
        "src-d",
        "high",
    ),
    (
        "e26",
        "2025-03-25",
        "2025-03-25",
        "PRK",
        "CHN",
        "statement",
        "NK Foreign Ministry marks the anniversary of the first Kim-Xi summit.",
        "src-f",
        "high",
    ),
    (
        "e27",
        "2025-03-31",
        "2025-04-07",
        "CHN",
        "PRK",
        "border",
        "14 Chinese staff enter NK - first Chinese personnel entry since 2020.",
        "src-f",
        "high",
    ),
    (
        "e28",
        "2025-09-02",
        "2025-09-02",
        "PRK",
        "CHN",
        "visit",
        "Kim Jong Un arrives in Beijing by train.",
        "src-c",
        "high",
    ),
    (
        "e29",
        "2025-09-03",
        "2025-09-03",
        "PRK",
        "RUS",
        "summit",
        "Kim-Putin bilateral meeting in Beijing.",
        "src-d",
        "high",
    ),
    (
        "e30",
        "2025-09-04",
        "2025-09-04",
        "PRK",
        "CHN",
        "summit",
        "6th Kim-Xi summit, Beijing - first in six years.",
        "src-c",
        "high",
    ),
    (
        "e31",
        "2025-10-09",
        "2025-10-09",
        "CHN",
        "PRK",
        "visit",
        "Premier Li Qiang visits Pyongyang (Oct 9-11) for the WPK 80th anniversary.",
        "src-c",
        "high",
    ),
    (
        "e32",
        "2026-01-05",
        "2026-01-05",
        "PRK",
        "RUS",
        "statement",
        "Kim visits the construction site of a memorial for NK soldiers killed in Russia's war.",
        "src-g",
        "high",
    ),
]

# partner, series, period_type, year, period, exports, imports, total, nk_total, share, published, source
TRADE = [
    ("CHN", "GACC", "annual", 2013, "", None, None, 6545.0, None, None, "2014-01-24", "t-gacc"),
    ("CHN", "GACC", "annual", 2014, "", None, None, 6390.0, None, None, "2015-01-23", "t-gacc"),
    ("CHN", "GACC", "annual", 2017, "", None, None, 5060.0, None, None, "2018-01-12", "t-gacc"),
    ("CHN", "GACC", "annual", 2019, "", None, None, 2789.01, None, None, "2020-01-14", "t-gacc"),
    ("CHN", "GACC", "annual", 2020, "", None, None, 539.0, None, None, "2021-01-18", "t-gacc"),
    ("CHN", "GACC", "annual", 2022, "", 895.0, 133.0, 1028.0, None, None, "2023-01-18", "t-gacc"),
    (
        "CHN",
        "GACC",
        "annual",
        2023,
        "",
        2000.0,
        295.38,
        2295.38,
        None,
        None,
        "2024-01-18",
        "t-gacc",
    ),
    ("CHN", "GACC", "annual", 2024, "", None, None, 2180.0, None, None, "2025-01-20", "t-gacc"),
    ("CHN", "GACC", "annual", 2025, "", None, None, 2735.0, None, None, "2026-01-20", "t-gacc25"),
    ("CHN", "KOTRA", "annual", 2019, "", None, None, 3090.0, 3240.0, 95.4, "2020-07-15", "t-kotra"),
    ("CHN", "KOTRA", "annual", 2022, "", None, None, 1530.0, 1590.0, 96.7, "2023-07-20", "t-kotra"),
    (
        "CHN",
        "KOTRA",
        "annual",
        2023,
        "",
        None,
        None,
        2721.1,
        2769.12,
        98.3,
        "2024-07-18",
        "t-kotra23",
    ),
    ("CHN", "KOTRA", "annual", 2024, "", None, None, 2560.0, 2612.0, 98.0, "2025-07-17", "t-kotra"),
    ("CHN", "GACC", "monthly", 2025, "10", None, None, 227.0, None, None, "2025-11-20", "t-month"),
    ("CHN", "GACC", "monthly", 2025, "11", None, None, 281.0, None, None, "2025-12-20", "t-month"),
    (
        "CHN",
        "GACC",
        "partial",
        2025,
        "01-06",
        None,
        None,
        1260.0,
        None,
        None,
        "2025-07-20",
        "t-month",
    ),
    (
        "RUS",
        "Russian customs",
        "annual",
        2019,
        "",
        None,
        None,
        47.9,
        None,
        None,
        "2020-03-01",
        "t-rus",
    ),
    (
        "RUS",
        "Russian officials",
        "annual",
        2023,
        "",
        None,
        None,
        34.4,
        None,
        None,
        "2024-06-01",
        "t-rus",
    ),
]

INDICATORS = [
    ("kim-visit-china", "Kim visit to China", "Kim Jong Un travels to China", "sejong-2024-11", 1),
    (
        "yalu-bridge",
        "New Yalu River Bridge opens",
        "The bridge opens to traffic",
        "sejong-2024-11",
        2,
    ),
    ("tourism", "Chinese group tourism resumes", "Chinese tour groups return", "sejong-2024-11", 3),
    ("unsc-sanctions", "New UNSC sanctions", "China supports new sanctions", "src-b", 4),
]

# indicator_id, effective, status, published, detail, source, confidence
STATUS = [
    (
        "kim-visit-china",
        "2024-10-21",
        "no_movement",
        "2024-10-21",
        "No visit since 2019.",
        "sejong-2024-11",
        "high",
    ),
    (
        "yalu-bridge",
        "2024-10-21",
        "no_movement",
        "2024-10-21",
        "Built in 2014, unopened.",
        "sejong-2024-11",
        "high",
    ),
    (
        "tourism",
        "2024-10-21",
        "no_movement",
        "2024-10-21",
        "No Chinese tourists since 2020.",
        "sejong-2024-11",
        "high",
    ),
    (
        "unsc-sanctions",
        "2024-10-21",
        "no_movement",
        "2024-10-21",
        "No new resolution since 2017.",
        "src-b",
        "high",
    ),
    (
        "kim-visit-china",
        "2025-09-02",
        "moved",
        "2025-09-02",
        "Kim in Beijing for the parade.",
        "src-c",
        "high",
    ),
    (
        "yalu-bridge",
        "2025-12-11",
        "signs_of_movement",
        "2025-12-11",
        "Customs facilities under construction.",
        "src-e",
        "medium",
    ),
    (
        "yalu-bridge",
        "2026-01-22",
        "signs_of_movement",
        "2026-01-22",
        "Dandong aims to open it in 2026; still unopened.",
        "src-e",
        "medium",
    ),
]

# provocation_id, date, category, event
PROVOCATIONS = [
    ("p01", "2013-02-12", "nuclear", "Nuclear Test"),
    ("p02", "2014-03-26", "missile", "Medium-range Ballistic Missile Launch"),
    ("p03", "2016-01-06", "nuclear", "Nuclear Test"),
    ("p04", "2016-02-07", "missile", "Satellite Launch"),
    ("p05", "2016-09-09", "nuclear", "Nuclear Test"),
    ("p06", "2017-07-04", "missile", "ICBM Launch"),
    ("p07", "2017-09-03", "nuclear", "Nuclear Test"),
    ("p08", "2022-03-24", "missile", "ICBM Launch"),
    ("p09", "2022-05-25", "missile", "ICBM Launch"),
    ("p10", "2022-11-18", "missile", "ICBM Launch"),
    ("p11", "2023-07-12", "missile", "ICBM Launch"),
    ("p12", "2024-10-31", "missile", "ICBM Launch"),
    ("p13", "2024-11-05", "missile", "Short-range Ballistic Missile Launch"),
    ("p14", "2025-05-08", "missile", "Short-range Ballistic Missile Launch"),
    ("p15", "2026-01-04", "missile", "Hypersonic Missile Launch"),
    ("p16", "2024-06-01", "other", "Balloons"),
]


# From when the sample record of exchanges counts as complete, per partner (contract 9).
COVERAGE = {"CHN": dt.date(2018, 1, 1), "RUS": dt.date(2019, 1, 1), "USA": None, "KOR": None}


def events() -> pd.DataFrame:
    cols = [
        "event_id",
        "date",
        "published",
        "actor_a",
        "actor_b",
        "event_type",
        "description",
        "source_id",
        "confidence",
    ]
    frame = pd.DataFrame(EVENTS, columns=cols)
    frame["date_precision"] = frame["date"].map(
        lambda d: {4: "year", 7: "month"}.get(len(d), "day")
    )
    # Exchanges carry a level (data/README.md); Kim's September 2025 trip is one trip.
    levels = {"summit": "leader", "visit": "senior"}
    frame["level"] = frame["event_type"].map(levels).fillna("")
    frame.loc[frame["event_id"] == "e28", "level"] = "leader"
    frame["trip_id"] = ""
    frame.loc[frame["event_id"].isin(["e28", "e30"]), "trip_id"] = "2025-09-kim-beijing"
    return frame


def trade() -> pd.DataFrame:
    cols = [
        "partner",
        "series",
        "period_type",
        "year",
        "period",
        "exports_to_nk_usd_m",
        "imports_from_nk_usd_m",
        "total_usd_m",
        "nk_total_trade_usd_m",
        "partner_share_pct",
        "published",
        "source_id",
    ]
    frame = pd.DataFrame(TRADE, columns=cols)
    frame["confidence"] = "high"
    frame["notes"] = ""
    return frame


def watch_indicators() -> pd.DataFrame:
    return pd.DataFrame(
        INDICATORS, columns=["indicator_id", "label", "description", "named_by", "order"]
    )


def watch_status() -> pd.DataFrame:
    cols = ["indicator_id", "effective", "status", "published", "detail", "source_id", "confidence"]
    return pd.DataFrame(STATUS, columns=cols)


def provocations() -> pd.DataFrame:
    frame = pd.DataFrame(PROVOCATIONS, columns=["provocation_id", "date", "category", "event"])
    frame["published"] = frame["date"]
    frame["description"] = frame["event"]
    frame["source_url"] = "https://example.org/csis"
    return frame


def _cut(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    return frame[pd.to_datetime(frame["published"]) <= pd.Timestamp(as_of)].reset_index(drop=True)


def view(as_of: str = "2026-02-01", **changes: pd.DataFrame) -> SimpleNamespace:
    """An as-of view like `analysis.data.as_of_view`, built from the sample tables."""
    day = dt.date.fromisoformat(as_of)
    tables = {
        "events": events(),
        "trade": trade(),
        "watch_indicators": watch_indicators(),
        "watch_status": watch_status(),
        "provocations": provocations(),
    }
    tables.update(changes)
    out = {k: (_cut(v, day) if "published" in v.columns else v) for k, v in tables.items()}
    out["sources"] = {}
    out["coverage"] = dict(COVERAGE)
    return SimpleNamespace(**out)


def params(as_of: str = "2026-02-01", **values: str) -> BriefParams:
    return BriefParams(as_of=as_of, **values)
