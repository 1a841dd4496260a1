"""The data layer: real files load and validate; the as-of view; the seeds' key facts."""

from __future__ import annotations

import pandas as pd

from analysis.data import as_of_view, check_data, load_tables


def test_real_data_is_valid():
    assert check_data() == []
    t = load_tables()
    assert len(t.events) and len(t.trade) and len(t.provocations)


def test_as_of_hides_later_rows():
    view = as_of_view("2024-10-21")
    cut = pd.Timestamp("2024-10-21")
    for df in (view.events, view.trade, view.watch_status, view.provocations):
        assert (df["published"] <= cut).all()
    latest = view.watch_status.groupby("indicator_id").last()
    assert (latest["status"] != "moved").all()


def test_seed_figures():
    tr = load_tables().trade
    gacc = tr[(tr.series == "GACC") & (tr.period_type == "annual") & (tr.year == 2023)]
    assert gacc["total_usd_m"].tolist() == [2295.38]
    kotra = tr[(tr.series == "KOTRA") & (tr.partner == "CHN") & (tr.year == 2023)]
    assert kotra["total_usd_m"].tolist() == [2721.10]
    assert kotra["partner_share_pct"].tolist() == [98.3]
