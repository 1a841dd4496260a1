"""House style: one font, the palette, titles, and every figure's contract."""

import pytest
import vl_convert as vlc

from analysis import charts, exchanges, pivot, security, trade
from tests.analysis import sample_tables as st

FIGURES = [
    trade.lead_figure,
    trade.share_figure,
    trade.monthly_figure,
    exchanges.timeline_figure,
    exchanges.counts_figure,
    security.figure,
    pivot.milestones_figure,
    pivot.leader_figure,
]


@pytest.mark.parametrize("build", FIGURES)
def test_every_figure_follows_the_house_style(build):
    fig = build(st.view("2026-02-01"), st.params("2026-02-01"))
    spec = fig.spec()
    assert spec["config"]["font"] == charts.FONT
    assert spec["config"]["axis"]["labelFont"] == charts.FONT
    assert spec["title"]["text"]
    assert fig.alt and len(fig.alt) > 40
    assert fig.source.startswith("Source: ") and "[@" in fig.source
    assert "tooltip" in str(spec)
    assert "#" not in spec["config"]["title"]["font"]
    svg = vlc.vegalite_to_svg(spec)
    assert "Liberation Sans" in svg and "<svg" in svg


def test_figure_names_are_unique():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    names = [f(view, params).name for f in FIGURES]
    assert len(set(names)) == len(names)


def test_wrap_title_and_palette():
    assert charts.wrap_title("short") == "short"
    assert isinstance(charts.wrap_title("word " * 40), list)
    scale = charts.color_scale(charts.PARTNER_COLORS, ["China", "Elsewhere"]).to_dict()
    assert scale["range"][0] == charts.OKABE_ITO["vermillion"]
    assert len(scale["range"]) == 2
