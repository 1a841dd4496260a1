"""The record (issue #11): one regression test per corrected error, at the level of the data.

Each test reads the real files through `load_tables` / `as_of_view` and checks the fact the
brief's sentences are computed from, so a wrong row fails here before it reaches a page.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis import paths
from analysis.data import Tables, as_of_view, available_from, latest_publication_date, load_tables

SEJONG, THAW, CHILL = "2024-10-21", "2025-04-08", "2026-01-25"


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_tables()


def events(t: Tables) -> pd.DataFrame:
    return t.events.set_index("event_id")


def exchanges(t: Tables, partner: str) -> pd.DataFrame:
    """North Korea's summits and visits with `partner` (not, e.g., Xi–Lee summits)."""
    ev = t.events
    pair = ((ev["actor_a"] == "PRK") & (ev["actor_b"] == partner)) | (
        (ev["actor_a"] == partner) & (ev["actor_b"] == "PRK")
    )
    return ev[pair & ev["event_type"].isin(["summit", "visit"])]


def trips(rows: pd.DataFrame) -> int:
    """Exchanges counted once per trip: rows sharing a trip_id are one."""
    keyed = rows["trip_id"].where(rows["trip_id"] != "", "row:" + rows["event_id"])
    return keyed.nunique()


# ------------------------------------------------------------- error 1: sanctions record
def test_every_nuclear_test_since_2013_drew_a_resolution_china_voted_for(tables: Tables):
    ev = tables.events
    tests = ev[(ev["event_type"] == "test") & ev["description"].str.contains("nuclear test")]
    resolutions = ev[(ev["actor_a"] == "UNSC") & (ev["event_type"] == "sanction")]
    assert len(tests) == 4  # 2013, Jan 2016, Sep 2016, 2017
    for _, test in tests.iterrows():
        after = resolutions[
            (resolutions["date_start"] > test["date_start"])
            & (resolutions["date_start"] <= test["date_start"] + pd.Timedelta(days=90))
        ]
        assert len(after) == 1, test["event_id"]
        # China voted for it: coded as a cooling signal on the China tie
        assert after.iloc[0][["signal", "signal_partner"]].tolist() == ["cooling", "CHN"]
    r2094 = events(tables).loc["2013-03-07-unscr-2094"]
    assert (r2094["date_start"] - pd.Timestamp("2013-02-12")).days == 23
    assert "unanimously" in r2094["description"]


def test_six_sanctions_resolutions_in_2016_2017_and_the_missile_ones(tables: Tables):
    ev = tables.events
    res = ev[(ev["actor_a"] == "UNSC") & (ev["event_type"] == "sanction")]
    years = res["date_start"].dt.year
    numbers = res["description"].str.extract(r"Resolution (\d{4})")[0]
    assert sorted(numbers[years.isin([2016, 2017])]) == [
        "2270",
        "2321",
        "2356",
        "2371",
        "2375",
        "2397",
    ]
    assert {"2087", "2094", "2356", "2371", "2397"} <= set(numbers)
    for n, day in (("2087", "2013-01-22"), ("2094", "2013-03-07"), ("2356", "2017-06-02")):
        assert events(tables).loc[f"{day}-unscr-{n}", "date"] == day


def test_the_break_after_2018_is_in_the_record(tables: Tables):
    ev = events(tables)
    for eid in (
        "2019-12-16-china-russia-sanctions-relief-draft",
        "2021-11-china-russia-revive-sanctions-draft",
        "2022-05-26-china-russia-veto",
    ):
        assert ev.loc[eid, "signal"] == "warming" and ev.loc[eid, "signal_partner"] == "CHN"
    assert ev.loc["2022-05-26-china-russia-veto", "event_type"] == "un_vote"


# ------------------------------------------------------------------ error 2: seniority
def test_li_zhanshu_attended_the_70th_anniversary(tables: Tables):
    li = events(tables).loc["2018-09-09-li-zhanshu-pyongyang-70th"]
    assert (li["actor_a"], li["actor_b"], li["level"]) == ("CHN", "PRK", "senior")
    assert "70th" in li["description"]


def test_li_qiang_row_and_watch_indicator_name_the_right_precedents(tables: Tables):
    qiang = events(tables).loc["2025-10-09-li-qiang-pyongyang-wpk-80", "description"]
    assert "Liu Yunshan" not in qiang
    assert "June 2019" in qiang and "2009" in qiang
    # the precedent is computable from the rows: the last senior Chinese visit before it
    ex = exchanges(tables, "CHN")
    before = ex[
        (ex["date_start"] < pd.Timestamp("2025-10-09"))
        & ex["level"].isin(["leader", "senior"])
        & (ex["actor_a"] == "CHN")
    ]
    assert before.sort_values("date_start").iloc[-2:]["event_id"].tolist() == [
        "2019-09-02-wang-yi-pyongyang",
        "2024-04-11-zhao-leji-pyongyang",
    ]
    ind = tables.watch_indicators.set_index("indicator_id")
    text = ind.loc["senior-chinese-at-anniversaries", "description"]
    assert "Li Zhanshu" in text and "2018" in text and "Liu Yunshan" not in text
    st = tables.watch_status
    moved = st[
        (st["indicator_id"] == "senior-chinese-at-anniversaries") & (st["status"] == "moved")
    ]
    assert "2015" not in moved.iloc[0]["detail"] and "2018" in moved.iloc[0]["detail"]


# ------------------------------------------------------------- error 6: trade values
def test_gacc_2015_is_consistent_with_2014(tables: Tables):
    tr = tables.trade
    gacc = tr[(tr["series"] == "GACC") & (tr["period_type"] == "annual")].set_index("year")
    y14, y15 = gacc.loc[2014, "total_usd_m"], gacc.loc[2015, "total_usd_m"]
    assert y14 == pytest.approx(6363.63)
    assert (y15 / y14 - 1) * 100 == pytest.approx(-13.39, abs=0.05)  # the source's own rate
    assert 2016 not in gacc.index  # not found: not derived, not invented
    readme = (paths.data_dir() / "README.md").read_text(encoding="utf-8")
    assert "2016" in readme and "not collected" in readme.lower()


def test_december_2025_total_is_derived_and_is_the_latest_month(tables: Tables):
    tr = tables.trade
    monthly = tr[(tr["series"] == "GACC") & (tr["period_type"] == "monthly")]
    monthly = monthly[monthly["total_usd_m"].notna()]
    last = monthly.sort_values(["year", "period"]).iloc[-1]
    assert (last["year"], last["period"]) == (2025, "12")
    assert last["total_derived"] and last["total_usd_m"] == pytest.approx(257.4 + 52.7)
    assert not monthly[monthly["total_derived"]]["series"].ne("GACC").any()


def test_2023_growth_discrepancy_is_explained(tables: Tables):
    tr = tables.trade
    gacc = tr[(tr["series"] == "GACC") & (tr["period_type"] == "annual")].set_index("year")
    computed = (gacc.loc[2023, "total_usd_m"] / gacc.loc[2022, "total_usd_m"] - 1) * 100
    assert computed == pytest.approx(123.3, abs=0.05)
    assert "123.3" in gacc.loc[2023, "notes"] and "137" in gacc.loc[2023, "notes"]


# ----------------------------------------------------------- error 7: overstatements
def test_march_2025_entry_is_memorial_staff_not_the_first_chinese(tables: Tables):
    row = events(tables).loc["2025-03-31-chinese-personnel-enter", "description"]
    assert "memorial" in row and "first Chinese personnel" not in row
    st = tables.watch_status.set_index(["indicator_id", "effective"])
    detail = st.loc[("chinese-personnel-entry", pd.Timestamp("2025-03-31")), "detail"]
    assert "memorial" in detail and "first Chinese personnel since" not in detail


def test_sejong_names_four_items_workers_are_a_friction(tables: Tables):
    ind = tables.watch_indicators.set_index("indicator_id")
    assert "not one of its four" in ind.loc["nk-workers-china", "description"]
    sejong = ind[ind["named_by"] == "sejong-2024-11"]
    assert sorted(sejong["named_as"]) == ["friction", "watch", "watch", "watch", "watch"]
    assert "four" in (paths.data_dir() / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------- error 5: trips
def test_kim_september_2025_beijing_trip_counts_once(tables: Tables):
    trip = tables.events[tables.events["trip_id"] == "2025-09-kim-beijing"]
    assert sorted(trip["event_id"]) == [
        "2025-09-02-kim-arrives-beijing",
        "2025-09-03-kim-beijing-parade",
        "2025-09-04-kim-xi-summit-beijing",
    ]
    ex = exchanges(tables, "CHN")
    in_2025 = ex[ex["date_start"].dt.year == 2025]
    assert len(in_2025) == 5 and trips(in_2025) == 3  # Kim's trip, Choe, Li Qiang
    # the Kim–Putin meeting in Beijing is a Russia exchange, not part of the China trip
    assert events(tables).loc["2025-09-03-kim-putin-meeting-beijing", "trip_id"] == ""


def test_other_multi_row_trips_are_grouped(tables: Tables):
    ev = tables.events
    grouped = ev[ev["trip_id"] != ""].groupby("trip_id")["event_id"].apply(sorted).to_dict()
    assert grouped["2023-09-kim-russia"] == [
        "2023-09-13-kim-putin-summit-vostochny",
        "2023-09-16-kim-shoigu-vladivostok",
    ]
    assert len(grouped["2025-10-choe-moscow"]) == 2


# ------------------------------------------------------- point in time: source dates
@pytest.mark.parametrize("as_of", [SEJONG, THAW, CHILL])
def test_no_view_shows_a_row_whose_source_came_later(tables: Tables, as_of: str):
    view = as_of_view(as_of, tables=tables)
    cut = pd.Timestamp(as_of)
    for frame in (view.events, view.trade, view.watch_status):
        assert (available_from(frame, tables.sources) <= cut).all()
        assert set(frame["source_id"]) <= set(view.sources)


def test_sejong_view_cites_a_june_2024_source_for_the_treaty(tables: Tables):
    view = events(as_of_view(SEJONG, tables=tables))
    src = view.loc["2024-06-19-putin-kim-treaty-pyongyang", "source_id"]
    assert tables.sources[src]["issued"]["date-parts"] == [[2024, 6, 19]]


def test_csis_reference_is_the_database_and_dated_by_the_view(tables: Tables):
    item = tables.sources["csis-provocations"]
    assert "copy up to" not in json_text(item)
    assert item["URL"].startswith("https://beyondparallel.csis.org/")
    assert item["custom"]["living-database"] is True
    view = as_of_view(SEJONG, tables=tables)
    year, month, day = view.sources["csis-provocations"]["issued"]["date-parts"][0]
    assert dt.date(year, month, day) <= dt.date(2024, 10, 21)


def json_text(item: dict) -> str:
    import json

    return json.dumps(item, ensure_ascii=False)


def test_default_edition_is_where_the_core_tables_are_all_current(tables: Tables):
    default = latest_publication_date()
    assert default == min(tables.current_to[t] for t in tables.core)
    # nothing published after it is used, and no core table stops before it
    view = as_of_view(default, tables=tables)
    assert all(view.current_to[t] == default for t in tables.core)
    assert default >= dt.date(2026, 1, 25)  # the chill seed's date is inside the record


# ------------------------------------------------------------------ gaps: the record
def test_russia_record_2023_2026_is_rebuilt(tables: Tables):
    ex = exchanges(tables, "RUS")
    since = ex[ex["date_start"] >= pd.Timestamp("2023-01-01")]
    senior = since[since["level"].isin(["leader", "senior"])]
    assert trips(senior) >= 17  # was 9 (4 summits, 5 senior visits) before the rebuild
    ids = set(tables.events["event_id"])
    for eid in (
        "2024-09-13-shoigu-pyongyang",
        "2024-11-29-belousov-pyongyang",
        "2025-07-11-lavrov-wonsan",
        "2025-08-14-volodin-pyongyang",
        "2025-10-08-medvedev-pyongyang",
        "2024-10-18-nis-troops-to-russia",
        "2025-04-28-nk-confirms-kursk-deployment",
        "2024-11-12-nk-ratifies-treaty",
        "2024-12-04-treaty-in-force",
    ):
        assert eid in ids
    assert tables.coverage["RUS"] == dt.date(2023, 1, 1)


def test_china_record_is_complete_from_2018_at_senior_level(tables: Tables):
    assert tables.coverage["CHN"] == dt.date(2018, 1, 1)
    ex = exchanges(tables, "CHN")
    senior = ex[ex["level"].isin(["leader", "senior"]) & (ex["date_start"].dt.year >= 2018)]
    by_year = senior.assign(
        key=senior["trip_id"].where(senior["trip_id"] != "", senior["event_id"])
    )
    counts = by_year.groupby(by_year["date_start"].dt.year)["key"].nunique().to_dict()
    # 2018: three summits, Wang Yi, Li Zhanshu, Ri Yong Ho; no exchange in the 2020-22 closure
    assert counts[2018] == 6 and not {2020, 2021, 2022} & set(counts)
    assert counts[2025] == 3


def test_sejong_view_has_russian_military_and_treaty_steps(tables: Tables):
    ev = as_of_view(SEJONG, tables=tables).events
    russia = ev[(ev["signal_partner"] == "RUS") & ev["event_type"].isin(["military", "treaty"])]
    assert {"2023-10-13-us-says-munitions-shipped", "2024-10-18-nis-troops-to-russia"} <= set(
        russia["event_id"]
    )
    assert "2024-06-19-putin-kim-treaty-pyongyang" in set(ev["event_id"])


def test_seoul_beijing_track_and_readout_language(tables: Tables):
    ev = events(tables)
    for eid in ("2025-11-01-xi-lee-summit-gyeongju", "2026-01-05-xi-lee-summit-beijing"):
        row = ev.loc[eid]
        assert {row["actor_a"], row["actor_b"]} == {"CHN", "KOR"}
        assert (row["signal"], row["signal_partner"]) == ("neutral", "CHN")
    assert ev.loc["2026-01-05-xi-lee-summit-beijing", "denuclearization"] == "no"
    assert ev.loc["2013-05-22-choe-ryong-hae-envoy-beijing", "denuclearization"] == "yes"
    assert ev.loc["2025-11-01-nk-dismisses-denuclearization", "signal"] == "cooling"
    # Xi–Lee summits are not North Korean exchanges
    assert "2025-11-01-xi-lee-summit-gyeongju" not in set(exchanges(tables, "CHN")["event_id"])


def test_tumen_statement_and_russian_tourists_while_chinese_stay_out(tables: Tables):
    ev = events(tables)
    assert ev.loc["2024-05-16-xi-putin-tumen-statement", "date"] == "2024-05-16"
    tourists = ev.loc["2025-07-russian-tourists-wonsan-kalma"]
    assert (tourists["signal"], tourists["signal_partner"]) == ("warming", "RUS")
    view = as_of_view("2025-07-31", tables=tables)
    status = view.watch_status.sort_values("effective").groupby("indicator_id")["status"].last()
    assert status["chinese-tourism"] == "no_movement"


def test_friction_evidence_of_2024_is_in_the_sejong_view(tables: Tables):
    view = as_of_view(SEJONG, tables=tables)
    ev = events(view)
    assert ev.loc["2024-07-11-treaty-anniversary-unmarked", "signal"] == "cooling"
    assert ev.loc["2024-07-09-china-denies-rift", "signal"] == "neutral"
    tr = view.trade
    h1 = tr[(tr["series"] == "GACC") & (tr["period_type"] == "partial") & (tr["year"] == 2024)]
    assert len(h1) and "-8%" in h1.iloc[0]["notes"]  # the trade dip as reported
    workers = tables.events.set_index("event_id").loc["2024-nk-workers-repatriation-reports"]
    assert (workers["signal"], workers["signal_partner"]) == ("cooling", "CHN")


def test_january_2026_chill_evidence(tables: Tables):
    view = events(as_of_view(CHILL, tables=tables))
    launch = view.loc["2026-01-04-missile-launch-lee-in-beijing"]
    assert (launch["signal"], launch["signal_partner"]) == ("cooling", "CHN")
    lee = tables.events.set_index("event_id").loc["2026-01-05-xi-lee-summit-beijing"]
    assert "4–7 Jan" in lee["description"]  # the launch fell on the day Lee arrived
    for eid in ("2026-01-14-kim-yo-jong-mocks-lee", "2026-01-08-new-year-cards-xi-by-title"):
        assert (view.loc[eid, "signal"], view.loc[eid, "signal_partner"]) == ("cooling", "CHN")


def test_every_exchange_has_a_level_and_every_signal_a_partner(tables: Tables):
    ev = tables.events
    ex = ev[ev["event_type"].isin(["summit", "visit"])]
    assert ex["level"].isin(["leader", "senior", "official"]).all()
    directed = ev[ev["signal"].isin(["warming", "cooling"])]
    assert directed["signal_partner"].ne("").all()


def test_references_as_of_is_the_editions_bibliography():
    from analysis.data import references_as_of

    items = references_as_of(SEJONG)
    ids = [item["id"] for item in items]
    assert "sejong-2024-11" in ids and "joongang-2026-01-chill" not in ids
    for item in items:
        year, *rest = item["issued"]["date-parts"][0]
        assert dt.date(year, *(rest + [1, 1][len(rest) :])) <= dt.date(2024, 10, 21)


def test_monthly_gacc_coverage_is_stated_as_not_collected(tables: Tables):
    tr = tables.trade
    monthly = tr[
        (tr["series"] == "GACC") & (tr["period_type"] == "monthly") & tr["year"].between(2018, 2025)
    ]
    readme = (paths.data_dir() / "README.md").read_text(encoding="utf-8")
    collected = len(monthly)
    assert f"{collected} of the 96 months" in readme
    assert f"the other {96 - collected} months are not collected" in readme
