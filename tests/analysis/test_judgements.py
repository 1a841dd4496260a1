"""Key judgements: headline bullets computed from the as-of view."""

import pytest

from analysis import judgements
from tests.analysis import sample_tables as st


def test_bullets_cover_trade_exchanges_signals_watch_and_missiles():
    view, params = st.view("2026-02-01"), st.params("2026-02-01")
    text = judgements.bullets(view, params)
    lines = text.splitlines()
    assert 4 <= len(lines) <= 6 and all(line.startswith("- **") for line in lines)
    assert "GACC: US$2,735 million in 2025, up 25.5% on 2024" in text
    assert "98.0% in 2024" in text
    assert "the first since 20 June 2019" in text
    assert "Li Qiang" in text
    assert "1 of 4 watch-list items has moved" in text
    assert "Kim visits the construction site of a memorial" in text


def test_changed_trade_value_reaches_the_judgement():
    frame = st.trade()
    hit = (frame["series"] == "GACC") & (frame["year"] == 2025) & (frame["period_type"] == "annual")
    frame.loc[hit, "total_usd_m"] = 1090.0
    view, params = st.view("2026-02-01", trade=frame), st.params("2026-02-01")
    assert "GACC: US$1,090 million in 2025, down 50.0% on 2024" in judgements.trade_bullet(
        view, params
    )


def test_kotra_lead_series_is_named():
    view = st.view("2026-02-01")
    params = st.params("2026-02-01", trade_series="KOTRA")
    assert "KOTRA: US$2,560 million in 2024" in judgements.trade_bullet(view, params)
    assert "KOTRA's reconstruction" in judgements.scope(params)


def test_as_of_2024_10_21_has_nothing_from_2025_and_nothing_moved():
    view, params = st.view("2024-10-21"), st.params("2024-10-21")
    text = judgements.bullets(view, params)
    assert "2025" not in text
    assert "0 of 4 watch-list items have moved" in text
    assert "no Kim visit to China since January 2019" in text


def test_as_of_2025_04_08_shows_the_thaw_signals_but_no_visit():
    view, params = st.view("2025-04-08"), st.params("2025-04-08")
    text = judgements.bullets(view, params)
    assert "first Chinese personnel entry since 2020" in text
    assert "anniversary of the first Kim" in text
    assert "no Kim visit to China since January 2019" in text


def test_empty_partner_is_said():
    view = st.view("2026-02-01")
    params = st.params("2026-02-01", compare_with="KOR")
    text = judgements.partner_bullet(view, params)
    assert "No summit or senior visit between North Korea and South Korea" in text


def test_readings_are_gated_by_publication():
    view = st.view("2025-04-08")
    view.sources = {
        "sejong-2024-11": {"issued": {"date-parts": [[2024, 10, 21]]}},
        "joongang-2025-04-thaw": {"issued": {"date-parts": [[2025, 4, 8]]}},
        "joongang-2026-01-chill": {"issued": {"date-parts": [[2026, 1, 25]]}},
    }
    text = judgements.readings(view, st.params("2025-04-08"))
    assert "[@sejong-2024-11]" in text and "[@joongang-2025-04-thaw]" in text
    assert "joongang-2026-01-chill" not in text


@pytest.fixture(scope="module")
def real():
    data = pytest.importorskip("analysis.data")
    try:
        data.load_tables()
    except Exception as exc:  # the data layer may be mid-change
        pytest.skip(f"real data not loadable: {exc}")
    return data


@pytest.mark.parametrize(
    ("as_of", "present", "absent"),
    [
        ("2024-10-21", ["0 of", "no Kim visit to China since January 2019"], ["2025", "2026"]),
        (
            "2025-04-08",
            ["first Chinese personnel entry", "no Kim visit to China"],
            ["September 2025"],
        ),
        ("2026-01-25", ["4 September 2025", "Li Qiang", "memorial"], []),
    ],
)
def test_back_test_dates_on_the_real_data(real, as_of, present, absent):
    from analysis.params import BriefParams

    params = BriefParams(as_of=as_of)
    text = judgements.bullets(real.as_of_view(as_of), params)
    for phrase in present:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text
