"""Watch list: status as of a date, date of last change, scorecard."""

import re

from analysis import watchlist
from tests.analysis import sample_tables as st


def _cur(as_of):
    view = st.view(as_of)
    return watchlist.current(view.watch_indicators, view.watch_status, as_of)


def test_untouched_at_the_sejong_date():
    cur = _cur("2024-10-21")
    assert watchlist.counts(cur)["moved"] == 0
    text = watchlist.text(cur, "2024-10-21")
    assert text.startswith(
        "As of 21 October 2024, none of the four items on the watch list has moved or shows"
    )
    assert "0 of" not in text and "and 0" not in text


def test_counts_in_words_without_zeros():
    text = watchlist.text(_cur("2026-02-01"), "2026-02-01")
    assert text.startswith("As of 1 February 2026, one of the four items on the watch list has")
    assert "0 " not in text.split("\n\n")[0]
    assert "no_movement" not in text and "signs_of_movement" not in text


def test_sejong_points_and_friction_told_apart():
    ind = st.watch_indicators()
    ind = st.with_row(
        ind,
        indicator_id="workers",
        label="North Korean workers in China",
        description="New permits",
        named_by="sejong-2024-11",
        named_as="friction",
        order=5,
    )
    status = st.with_row(
        st.watch_status(),
        indicator_id="workers",
        effective="2024-10-21",
        published="2024-10-21",
        status="no_movement",
        detail="Reluctant.",
        source_id="sejong-2024-11",
        confidence="medium",
    )
    view = st.view("2024-10-21", watch_indicators=ind, watch_status=status)
    cur = watchlist.current(view.watch_indicators, view.watch_status, "2024-10-21")
    text = watchlist.text(cur, "2024-10-21")
    assert "Of the Sejong brief's three points to watch (†), " in text
    table = watchlist.scorecard(cur)
    assert "| North Korean workers in China |" in table  # no † on the friction
    # the friction is the table's: the brief cited as raising it, not told again in the text
    assert "friction" not in text
    assert (
        table.split("| North Korean workers in China |")[1]
        .split("\n")[0]
        .rstrip()
        .endswith("[@sejong-2024-11] |")
    )
    # without the column, no count of the brief's points is claimed
    plain = watchlist.text(_cur("2024-10-21").drop(columns="named_as"), "2024-10-21")
    assert "are drawn from the Sejong brief" in plain and "named three" not in plain


def test_tourism_is_not_said_to_be_sanctioned():
    ind = st.watch_indicators()
    ind = st.with_row(
        ind,
        indicator_id="nk-workers-china",
        label="North Korean workers in China",
        description="x",
        named_by="sejong-2024-11",
        named_as="friction",
        order=5,
    )
    status = st.with_row(
        st.watch_status(),
        indicator_id="nk-workers-china",
        effective="2024-10-21",
        published="2024-10-21",
        status="no_movement",
        detail="x",
        source_id="sejong-2024-11",
        confidence="high",
    )
    ev = st.events()
    ev.loc[ev["event_id"] == st.ID["e08"], "description"] = (
        "Resolution 2375: no new work permits for workers."
    )
    view = st.view("2026-02-01", watch_indicators=ind, watch_status=status, events=ev)
    cur = watchlist.current(view.watch_indicators, view.watch_status, "2026-02-01")
    text = watchlist.text(cur, "2026-02-01", view.events)
    assert "only new work permits for North Korean workers would breach UN sanctions" in text
    assert "tourism is not under UN sanctions" in text
    assert "would breach UN sanctions, under Resolution 2375 [@" in text


def test_since_is_the_start_of_the_current_status():
    cur = _cur("2026-02-01").set_index("indicator_id")
    assert str(cur.loc["yalu-bridge", "since"].date()) == "2025-12-11"
    assert str(cur.loc["yalu-bridge", "effective"].date()) == "2026-01-22"
    assert cur.loc["kim-visit-china", "status"] == "moved"


def test_scorecard_marks_sejong_items_and_escapes():
    status = st.watch_status()
    status.loc[0, "detail"] = "a | b <img src=x onerror=alert(1)>"
    view = st.view("2024-10-21", watch_status=status)
    cur = watchlist.current(view.watch_indicators, view.watch_status, "2024-10-21")
    table = watchlist.scorecard(cur)
    _header, _rule, *rows = table.split("\n\n")[0].splitlines()
    assert all(r.count(" | ") == 4 for r in rows)
    assert re.search(r"(?<!\\)<img", table) is None
    assert "\\<img" in table and "a \\| b" in table
    assert rows[0].startswith("| Kim visit to China †")
    assert "New UNSC sanctions †" not in table
    # the mark is explained once, by the section's text, not again under the table
    assert "Sejong Institute brief" not in table
    assert "Of the Sejong brief's" in watchlist.text(cur, "2024-10-21")


def test_raised_by_later_source_is_not_cited():
    cur = _cur("2024-10-21")
    sources = {
        "sejong-2024-11": {"issued": {"date-parts": [[2024, 10, 21]]}},
        "src-b": {"issued": {"date-parts": [[2025, 1, 1]]}},
    }
    table = watchlist.scorecard(cur, sources, "2024-10-21")
    assert "[@src-b]" not in table.split("New UNSC sanctions")[1].split("\n")[0].split("|")[-2]


def test_facts_statuses():
    facts = watchlist.facts(_cur("2026-02-01"))
    assert facts["statuses"]["kim-visit-china"] == {
        "label": "Kim visit to China",
        "status": "moved",
        "since": "2025-09-02",
    }
    assert facts["numbers"]["watch.moved"]["value"] == 1
