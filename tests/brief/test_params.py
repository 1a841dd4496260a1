"""Parameters: typed, validated, named in every error; edition names cannot escape output/."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.params import BriefParams
from brief.params import (
    ParamError,
    check_edition_name,
    describe_model,
    edition_name,
    parse_assignments,
    read_params,
    resolve,
)

LATEST = dt.date(2026, 8, 20)


def test_defaults_resolve_as_of_from_the_data_not_the_clock():
    resolved = resolve(BriefParams, {}, LATEST)
    assert {
        "as_of": "2026-08-20",
        "start": "2013-01-01",
        "compare_with": "RUS",
        "trade_series": "GACC",
    }.items() <= resolved.values.items()
    assert resolved.non_default == {}
    assert edition_name(resolved) == "2026-08-20"


def test_aliases_and_case_are_normalised_and_named_in_the_edition():
    resolved = resolve(
        BriefParams, {"compare_with": "south korea", "trade_series": "kotra"}, LATEST
    )
    assert resolved.values["compare_with"] == "KOR"
    assert edition_name(resolved) == "2026-08-20_compare_with-kor_trade_series-kotra"


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"colour": "red"}, "unknown parameter 'colour'"),
        ({"as_of": "yesterday"}, "parameter 'as_of'"),
        ({"as_of": "2025-02-30"}, "parameter 'as_of'"),
        ({"as_of": 20250101}, "parameter 'as_of'"),
        ({"as_of": "2999-01-01"}, "in the future"),
        ({"as_of": "2015-01-01", "start": "2018-01-01"}, "as_of 2015-01-01 is before start"),
        ({"start": "1990-01-01"}, "parameter 'start'"),
        ({"compare_with": "FRA"}, "parameter 'compare_with'"),
        ({"trade_series": "COMTRADE"}, "parameter 'trade_series'"),
    ],
)
def test_bad_parameters_are_refused_with_their_name(raw, named):
    with pytest.raises(ParamError, match=named):
        resolve(BriefParams, raw, LATEST)


def test_every_problem_is_listed_not_just_the_first():
    with pytest.raises(ParamError) as caught:
        resolve(BriefParams, {"as_of": "nope", "trade_series": "X", "extra": 1}, LATEST)
    message = str(caught.value)
    assert "'as_of'" in message and "'trade_series'" in message and "'extra'" in message


def test_assignments_need_an_equals_sign():
    assert parse_assignments(["as_of=2025-04-08", "as_of=2025-04-09"]) == {"as_of": "2025-04-09"}
    with pytest.raises(ParamError, match="-p name=value"):
        parse_assignments(["as_of"])


def test_params_files_must_be_readable_yaml_mappings(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("as_of: 2025-04-08\ncompare_with: Russia\n")
    assert read_params(good).values == {"as_of": dt.date(2025, 4, 8), "compare_with": "Russia"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("as_of: [2025\n")
    with pytest.raises(ParamError, match=r"bad\.yaml:2: not valid YAML"):
        read_params(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- as_of\n")
    with pytest.raises(ParamError, match="must be a mapping"):
        read_params(listed)
    with pytest.raises(ParamError, match="no such file"):
        read_params(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ParamError, match="cannot be read"):
        read_params(binary)


@pytest.mark.parametrize("name", ["../x", "/etc", "a/b", "a\\b", "..", ".hidden", "latest", ""])
def test_edition_names_cannot_escape_the_output_folder(name):
    with pytest.raises(ParamError, match="not allowed"):
        check_edition_name(name)


def test_plain_edition_names_pass():
    assert check_edition_name("2025-04-08_special+v2") == "2025-04-08_special+v2"


@pytest.mark.parametrize("text", ["20250408", "2025-W15-2", "2025-098", "2025-04-08T00:00"])
def test_dates_are_only_accepted_as_yyyy_mm_dd(text):
    with pytest.raises(ParamError, match=r"parameter 'as_of' .*YYYY-MM-DD"):
        resolve(BriefParams, {"as_of": text}, LATEST)


def test_file_errors_and_long_values_name_the_place_and_are_cut(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("start: 2014-01-01\ncolour: red\n")
    given = read_params(path)
    with pytest.raises(ParamError, match=r"unknown parameter 'colour' \(.*p\.yaml:2\)"):
        resolve(BriefParams, given.values, LATEST, given.where)
    path.write_text("start: 2014-01-01\nstart: 2015-01-01\n")
    with pytest.raises(ParamError, match=r"p\.yaml:2: 'start' is given twice \(first on line 1\)"):
        read_params(path)
    with pytest.raises(ParamError) as caught:
        resolve(BriefParams, {"compare_with": "X" * 100_000}, LATEST)
    assert len(str(caught.value)) < 1000 and "100002 characters" in str(caught.value)


def test_quarto_and_papermill_forms_parse_like_the_plain_one():
    from brief.cli import papermill_pairs

    assert parse_assignments(["as_of:2025-04-08"], sep=":", option="-P") == {"as_of": "2025-04-08"}
    assert papermill_pairs(["render", "-p", "as_of", "2025-04-08", "-p", "x=1"]) == [
        "render",
        "-p",
        "as_of=2025-04-08",
        "-p",
        "x=1",
    ]


def test_the_help_table_comes_from_the_model():
    rows = {name: (kind, default) for name, kind, default, _ in describe_model(BriefParams)}
    assert rows["as_of"] == ("date", "(from the data)")
    assert rows["start"] == ("date", "2013-01-01") and "RUS" in rows["compare_with"][0]


@pytest.mark.parametrize("name", ["trail\n", "con", "NUL", "LATEST", "Drafts", "lpt1.txt", "a.r2"])
def test_names_reserved_or_colliding_on_other_file_systems_are_refused(name):
    with pytest.raises(ParamError, match="not allowed"):
        check_edition_name(name)
