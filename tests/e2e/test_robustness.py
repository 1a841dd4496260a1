"""Robustness of `brief render` on the real project (issue 7): bad data, bad parameters,
failures mid-render, hostile text, and nothing lost.

Every case edits real files in a scratch copy of the project and runs the real `brief`
command in a subprocess. One real edition is rendered once (module fixture `earlier`);
every failure below runs in that same project and must leave its `output/` (the edition,
`index.html`, `latest/`) byte for byte as it was. Bad data and bad parameters are refused
before any notebook runs, so those cases are quick.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from analysis.data import latest_publication_date
from brief.fsutil import KEEP_MARKER
from tests.support import browser
from tests.support.cli import REPO, brief, copy_project, last_line

pytestmark = pytest.mark.slow

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130

# Every render here is checked against the built-in engine's page (script counts, markup).
BUILTIN = ("--engine", "builtin")


# --------------------------------------------------------------------------- helpers


def unkept_builds(root: Path) -> list[Path]:
    """Build folders left behind, except those a failed render keeps for debugging."""
    builds = (root / ".brief" / "build").glob("build-*")
    return [b for b in builds if not (b / KEEP_MARKER).exists()]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones included) → sha256 of its bytes."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def tree_entries(folder: Path) -> set[str]:
    """Every path under `folder`, folders included (to see stray staging folders)."""
    return (
        {p.relative_to(folder).as_posix() for p in folder.rglob("*")} if folder.is_dir() else set()
    )


def kernels_of(project: Path) -> list[str]:
    """Jupyter kernels started for this project (their environment names its folder)."""
    found = []
    marker = f"BRIEF_PROJECT_ROOT={project}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        kernel = "brief.executors.launcher" in cmd or "ipykernel" in cmd
        if kernel and marker in env:
            found.append(f"{proc.name}: {cmd}")
    return found


@dataclass
class Project:
    """The scratch project with its earlier edition and a snapshot of its output folder."""

    root: Path
    edition: Path
    snapshot: dict[str, str]
    entries: set[str]

    @property
    def output(self) -> Path:
        return self.root / "output"

    def assert_output_untouched(self) -> None:
        """No new edition, no staging folder, and every earlier byte as it was."""
        assert tree_entries(self.output) == self.entries, "output/ gained or lost entries"
        assert tree_digest(self.output) == self.snapshot, "a published file changed"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A scratch copy of the real project with one real published edition (the default)."""
    root = copy_project(REPO, tmp_path_factory.mktemp("robust") / "project")
    done = brief(root, "publish", *BUILTIN, "--quiet")  # official: the archive lists it
    assert done.returncode == 0, done.stderr
    edition = Path(last_line(done.stdout))
    assert (edition / "brief.html").is_file() and (root / "output" / "index.html").is_file()
    return Project(root, edition, tree_digest(root / "output"), tree_entries(root / "output"))


@pytest.fixture
def project(earlier: Project) -> Iterator[Project]:
    """The shared project; data and notebooks are put back byte for byte after each test."""
    folders = [earlier.root / "data", earlier.root / "notebooks"]
    saved = {p: p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file()}
    try:
        yield earlier
    finally:
        for folder in folders:
            for path in folder.rglob("*"):
                if path.is_file() and path not in saved:
                    path.unlink()
        for path, data in saved.items():
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)


# ------------------------------------------------------------------ editing data files


def csv_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    return out.getvalue()


class Csv:
    """A data file edited line by line (no record of these files spans two lines)."""

    def __init__(self, project: Path, name: str):
        self.path = project / "data" / name
        self.rel = f"data/{name}"
        self.lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        self.header = next(csv.reader([self.lines[0]]))

    def save(self) -> None:
        self.path.write_text("".join(self.lines), encoding="utf-8")

    def find(self, match: Callable[[dict[str, str]], bool]) -> int:
        """The 1-based line of the first record for which `match` holds."""
        for number, line in enumerate(self.lines[1:], start=2):
            row = next(csv.reader([line]))
            if match(dict(zip(self.header, row, strict=True))):
                return number
        raise AssertionError(f"{self.rel}: no row matches")

    def row(self, line: int) -> dict[str, str]:
        return dict(zip(self.header, next(csv.reader([self.lines[line - 1]])), strict=True))

    def set(self, line: int, column: str, value: str) -> None:
        row = next(csv.reader([self.lines[line - 1]]))
        row[self.header.index(column)] = value
        self.lines[line - 1] = csv_line(row)
        self.save()


def event_line(events: Csv, event_id_prefix: str) -> int:
    return events.find(lambda r: r["event_id"].startswith(event_id_prefix))


@dataclass(frozen=True)
class Expect:
    """What the message must name: the place and the rule (as far as the case has them)."""

    where: str  # "data/events.csv:12" or "data/events.csv"
    rule: str
    column: str | None = None
    value: str | None = None
    words: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        head = self.where + ": "
        if self.column is not None:
            head += f"column '{self.column}'"
        if self.value is not None:
            head += (", " if self.column is not None else "") + f"value '{self.value}'"
        return [head, f"[rule: {self.rule}]", *self.words]


# Each case edits the project's data and returns what the error must say.


def case_unbalanced_quote(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2013-05-22-choe-ryong-hae")
    ev.lines[line - 1] = ev.lines[line - 1].replace(
        ",Choe Ryong Hae visits", ',"Choe Ryong Hae visits'
    )
    ev.save()
    return Expect(f"{ev.rel}:{line}", "csv_syntax", words=("unbalanced double quote",))


def case_semicolons(p: Path) -> Expect:
    tr = Csv(p, "trade.csv")
    rows = list(csv.reader(tr.lines))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    tr.path.write_text(out.getvalue(), encoding="utf-8")
    return Expect(
        f"{tr.rel}:1",
        "csv_syntax",
        words=("value 'partner;series;period_type;year;period;", "the delimiter must be ','"),
    )


def case_missing_column(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    at = ev.header.index("confidence")
    rows = [next(csv.reader([line])) for line in ev.lines]
    ev.lines = [csv_line(r[:at] + r[at + 1 :]) for r in rows]
    ev.save()
    return Expect(f"{ev.rel}:1", "column_missing", column="confidence", words=("missing",))


def case_renamed_column(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    ev.lines[0] = ev.lines[0].replace(",actor_a,", ",actor_1,")
    ev.save()
    return Expect(
        f"{ev.rel}:1",
        "column_missing",
        column="actor_a",
        words=("[rule: column_unknown]", "'actor_1'"),
    )


def case_extra_column(p: Path) -> Expect:
    tr = Csv(p, "trade.csv")
    tr.lines = [
        line.rstrip("\n") + (",comment\n" if i == 0 else ",\n") for i, line in enumerate(tr.lines)
    ]
    tr.save()
    return Expect(f"{tr.rel}:1", "column_unknown", column="comment", value="comment")


def case_wrong_type(p: Path) -> Expect:
    wi = Csv(p, "watch_indicators.csv")
    line = 2
    wi.set(line, "order", "first")
    return Expect(f"{wi.rel}:{line}", "type", column="order", value="first", words=("integer",))


def case_impossible_date(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = ev.find(
        lambda r: r["published"].startswith("2025-02") or r["date"].startswith("2025-02")
    )
    ev.set(line, "published", "2025-02-30")
    return Expect(
        f"{ev.rel}:{line}",
        "date",
        column="published",
        value="2025-02-30",
        words=("not a real calendar date",),
    )


def case_partial_date_wrong_form(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = ev.find(lambda r: r["date_precision"] == "month")
    ev.set(line, "date", "2025/03")
    return Expect(
        f"{ev.rel}:{line}",
        "date",
        column="date",
        value="2025/03",
        words=("YYYY, YYYY-MM or YYYY-MM-DD",),
    )


def case_published_before_event(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2025-09-04-kim-xi-summit")
    ev.set(line, "published", "2025-09-03")
    return Expect(
        f"{ev.rel}:{line}",
        "published_before_event",
        column="published",
        value="2025-09-03",
        words=("published before",),
    )


def _gacc_line(tr: Csv) -> int:
    return tr.find(
        lambda r: r["series"] == "GACC" and r["period_type"] == "annual" and r["total_usd_m"]
    )


def case_negative_trade(p: Path) -> Expect:
    tr = Csv(p, "trade.csv")
    line = _gacc_line(tr)
    value = "-" + tr.row(line)["total_usd_m"]
    tr.set(line, "total_usd_m", value)
    return Expect(
        f"{tr.rel}:{line}", "negative", column="total_usd_m", value=value, words=("negative",)
    )


def case_non_numeric_trade(p: Path) -> Expect:
    tr = Csv(p, "trade.csv")
    line = _gacc_line(tr)
    tr.set(line, "total_usd_m", "about 500")
    return Expect(
        f"{tr.rel}:{line}", "type", column="total_usd_m", value="about 500", words=("not a number",)
    )


def case_share_above_100(p: Path) -> Expect:
    tr = Csv(p, "trade.csv")
    line = tr.find(lambda r: r["partner_share_pct"] != "")
    tr.set(line, "partner_share_pct", "101.5")
    return Expect(
        f"{tr.rel}:{line}", "range", column="partner_share_pct", value="101.5", words=("0–100",)
    )


def case_duplicate_key(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2018-03")
    ev.lines.insert(line, ev.lines[line - 1])
    ev.save()
    key = ev.row(line)["event_id"]
    return Expect(
        f"{ev.rel}:{line + 1}",
        "duplicate_key",
        column="event_id",
        value=key,
        words=(f"first on line {line}",),
    )


def case_unknown_source(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2025-09-04-kim-xi-summit")
    ev.set(line, "source_id", "nobody-2099-01-01")
    return Expect(
        f"{ev.rel}:{line}",
        "unknown_source",
        column="source_id",
        value="nobody-2099-01-01",
        words=("references.json",),
    )


def case_unknown_event_type(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2025-09-04-kim-xi-summit")
    ev.set(line, "event_type", "banquet")
    return Expect(
        f"{ev.rel}:{line}",
        "vocabulary",
        column="event_type",
        value="banquet",
        words=("summit, visit",),
    )


def case_unknown_actor(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2025-09-04-kim-xi-summit")
    ev.set(line, "actor_b", "JPN")
    return Expect(
        f"{ev.rel}:{line}", "vocabulary", column="actor_b", value="JPN", words=("CHN, PRK",)
    )


def case_empty_file(p: Path) -> Expect:
    (p / "data" / "watch_status.csv").write_bytes(b"")
    return Expect("data/watch_status.csv", "file_empty", words=("empty",))


def case_not_utf8(p: Path) -> Expect:
    ev = Csv(p, "events.csv")
    line = event_line(ev, "2025-09-04-kim-xi-summit")
    raw = "".join(ev.lines).encode("utf-8")
    start = sum(len(x.encode("utf-8")) for x in ev.lines[: line - 1])
    at = raw.index(b"Great Hall", start)
    ev.path.write_bytes(raw[:at] + b"\xe9" + raw[at:])  # a Latin-1 "é"
    return Expect(f"{ev.rel}:{line}", "encoding", value="0xe9", words=("not UTF-8",))


def case_file_missing(p: Path) -> Expect:
    (p / "data" / "provocations.csv").unlink()
    return Expect("data/provocations.csv", "file_missing", words=("not found",))


BAD_DATA = {
    "unbalanced-quote": case_unbalanced_quote,
    "semicolon-delimiter": case_semicolons,
    "missing-column": case_missing_column,
    "renamed-column": case_renamed_column,
    "extra-column": case_extra_column,
    "wrong-type": case_wrong_type,
    "impossible-date": case_impossible_date,
    "partial-date-wrong-form": case_partial_date_wrong_form,
    "published-before-event": case_published_before_event,
    "negative-trade-value": case_negative_trade,
    "non-numeric-trade-value": case_non_numeric_trade,
    "share-above-100": case_share_above_100,
    "duplicate-key": case_duplicate_key,
    "unknown-source": case_unknown_source,
    "unknown-event-type": case_unknown_event_type,
    "unknown-actor": case_unknown_actor,
    "empty-file": case_empty_file,
    "not-utf8": case_not_utf8,
    "file-missing": case_file_missing,
}
ALSO_CHECK = {"unbalanced-quote", "wrong-type", "not-utf8", "file-missing"}


def assert_names(message: str, expect: Expect) -> None:
    for piece in expect.lines():
        assert piece in message, f"{piece!r} not in:\n{message}"


# --------------------------------------------------------------------- 1. bad data


@pytest.mark.parametrize("case", list(BAD_DATA), ids=list(BAD_DATA))
def test_bad_data_is_refused_naming_file_line_column_value_and_rule(project, case):
    expect = BAD_DATA[case](project.root)
    done = brief(project.root, "render", *BUILTIN)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert done.stdout == ""
    assert "nothing was rendered" in done.stderr
    assert_names(done.stderr, expect)
    assert "executing" not in done.stderr  # refused before any notebook ran
    project.assert_output_untouched()
    assert not unkept_builds(project.root)
    if case in ALSO_CHECK:
        checked = brief(project.root, "check")
        assert checked.returncode == EXIT_BAD_INPUT, checked.stderr
        assert_names(checked.stderr, expect)


def trip_actors_follow(project: Path, actor: Expect) -> Expect:
    """The event given an unknown actor is one leg of a trip: its actors no longer match the
    trip's first row, a second true problem on the same line (data/README.md, `trip_id`)."""
    ev = Csv(project, "events.csv")
    line = int(actor.where.rsplit(":", 1)[1])
    trip = ev.row(line)["trip_id"]
    first = ev.find(lambda r: r["trip_id"] == trip)
    assert first != line, "the case's event must not be its trip's first row"
    pair = " and ".join(sorted((ev.row(first)["actor_a"], ev.row(first)["actor_b"])))
    return Expect(
        actor.where, "trip_actors", column="trip_id", value=trip, words=(f"(line {first}: {pair})",)
    )


def test_check_and_render_list_every_problem_at_once(project):
    actor = case_unknown_actor(project.root)
    expected = [case_negative_trade(project.root), actor, trip_actors_follow(project.root, actor)]
    expected.append(case_empty_file(project.root))
    for command in ("check", "render"):
        done = brief(project.root, command)
        assert done.returncode == EXIT_BAD_INPUT, done.stderr
        assert f"{len(expected)} problem(s)" in done.stderr
        listed = [line.strip() for line in done.stderr.splitlines() if "[rule: " in line]
        assert len(listed) == len(expected), done.stderr
        for expect in expected:
            assert_names(done.stderr, expect)
    project.assert_output_untouched()


# ---------------------------------------------------------------- 2. bad parameters


def _yaml(tmp: Path, text: str | bytes) -> str:
    path = tmp / "params.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


# Each case: tmp folder -> (arguments to `brief render`, what the message must say).
BAD_PARAMS: dict[str, Callable[[Path], tuple[list[str], list[str]]]] = {
    "unknown-name": lambda t: (
        ["-p", "colour=red"],
        ["unknown parameter 'colour'", "compare_with"],
    ),
    "wrong-type-text": lambda t: (
        ["-p", "start=last year"],
        ["parameter 'start'", "'last year'", "YYYY-MM-DD"],
    ),
    "wrong-type-number": lambda t: (
        ["--params", _yaml(t, "as_of: 20250101\n")],
        ["parameter 'as_of'", "YYYY-MM-DD"],
    ),
    "wrong-type-list": lambda t: (
        ["--params", _yaml(t, "compare_with: [RUS, USA]\n")],
        ["parameter 'compare_with'"],
    ),
    "start-before-2000": lambda t: (
        ["-p", "start=1999-12-31"],
        ["parameter 'start'", "1999-12-31", "2000-01-01"],
    ),
    "future-as-of": lambda t: (["-p", "as_of=2099-01-01"], ["as_of 2099-01-01", "future"]),
    "as-of-before-start": lambda t: (
        ["-p", "as_of=2014-06-01", "-p", "start=2015-01-01"],
        ["as_of 2014-06-01", "before start 2015-01-01"],
    ),
    "unknown-partner": lambda t: (
        ["-p", "compare_with=JPN"],
        ["parameter 'compare_with'", "JPN", "RUS"],
    ),
    "unknown-series": lambda t: (
        ["-p", "trade_series=WTO"],
        ["parameter 'trade_series'", "WTO", "GACC"],
    ),
    "invalid-yaml": lambda t: (
        ["--params", _yaml(t, "start: [2013-01-01\n")],
        ["params.yaml", "not valid YAML"],
    ),
    "yaml-not-a-mapping": lambda t: (
        ["--params", _yaml(t, "- RUS\n- USA\n")],
        ["params.yaml", "must be a mapping"],
    ),
    "binary-params-file": lambda t: (
        ["--params", _yaml(t, b"\xff\xfe\x00\x01\x89PNG\r\n\x1a\n\x00")],
        ["params.yaml", "cannot be read"],
    ),
    "params-file-is-a-folder": lambda t: (["--params", str(t)], [str(t), "cannot be read"]),
    "params-file-missing": lambda t: (
        ["--params", str(t / "nope.yaml")],
        ["nope.yaml", "no such file"],
    ),
    "edition-parent": lambda t: (["--edition", "../x"], ["edition name '../x' is not allowed"]),
    "edition-absolute": lambda t: (
        ["--edition", str(t / "abs")],
        [f"edition name '{t / 'abs'}' is not allowed"],
    ),
    "edition-subfolder": lambda t: (["--edition", "a/b"], ["edition name 'a/b' is not allowed"]),
}


@pytest.mark.parametrize("case", list(BAD_PARAMS), ids=list(BAD_PARAMS))
def test_bad_parameters_are_refused_naming_the_parameter(project, tmp_path, case):
    args, words = BAD_PARAMS[case](tmp_path)
    done = brief(project.root, "render", *BUILTIN, *args)
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, f"{word!r} not in {done.stderr!r}"
    assert "executing" not in done.stderr
    project.assert_output_untouched()
    # an edition name must never escape output/: nothing beside it or where it points
    assert not (project.root / "x").exists() and not (tmp_path / "abs").exists()
    assert not (project.output / "a").exists()


def test_bad_parameters_are_refused_by_check_too(project):
    done = brief(project.root, "check", "-p", "compare_with=JPN")
    assert done.returncode == EXIT_BAD_INPUT, done.stderr
    assert "parameter 'compare_with'" in done.stderr


# ---------------------------------------------------- 3. failures in the middle of a render


def test_a_raising_notebook_names_notebook_cell_and_exception_and_keeps_it(project):
    path = project.root / "notebooks" / "06_watchlist.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    number, cell = next(
        (n, c)
        for n, c in enumerate(nb["cells"], start=1)
        if c["cell_type"] == "code" and "#| label:" in "".join(c["source"])
    )
    label = re.search(r"#\| label: (\S+)", "".join(cell["source"])).group(1)
    cell["source"] = f"#| label: {label}\nraise LookupError('no watch list today')\n"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")

    done = brief(project.root, "render", *BUILTIN, "--edition", "broken-notebook")
    assert done.returncode == EXIT_FAILED, done.stderr
    message = done.stderr
    assert "notebook 06_watchlist.ipynb" in message
    assert f"cell {number}" in message and label in message
    assert "LookupError: no watch list today" in message
    kept = Path(message.split("kept at ")[1].split(" for debugging")[0])
    assert kept.is_file() and kept.name == "06_watchlist.ipynb"
    assert "no watch list today" in kept.read_text(encoding="utf-8")
    assert done.stdout == ""
    assert not (project.output / "broken-notebook").exists()
    project.assert_output_untouched()


class MountRefused(Exception):
    pass


@contextlib.contextmanager
def tmpfs(where: Path, options: str) -> Iterator[Path]:
    """A small tmpfs mounted at `where` (needs root), unmounted afterwards whatever happens."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        raise MountRefused(mounted.stderr.strip() or f"mount exited {mounted.returncode}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def render_on_tmpfs(
    project: Path, mount: Path, options: str, output_dir: Path
) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`brief render --output-dir output_dir`, with a tmpfs (`options`) mounted at `mount`.

    Returns the finished command and what is left on that file system afterwards. As root
    the tmpfs is mounted directly; otherwise, or when that mount is refused outside CI, the
    command runs in a user and mount namespace (`unshare -rm`) that mounts it. As root in
    CI a refused mount fails the test; only when no mechanism works does it skip, saying why.
    """
    command = [sys.executable, "-m", "brief.cli", "render", *BUILTIN, "--project", str(project)]
    command += ["--output-dir", str(output_dir)]
    refused = "not running as root"
    if os.geteuid() == 0:
        try:
            with tmpfs(mount, options):
                done = subprocess.run(
                    command, capture_output=True, text=True, cwd=project, timeout=600
                )
                return done, tree_entries(mount)
        except MountRefused as exc:
            refused = str(exc)
            if os.environ.get("CI") == "true":
                pytest.fail(f"running as root in CI, but `mount -t tmpfs` is refused: {refused}")
    if shutil.which("unshare") is None:
        pytest.skip(f"cannot mount a tmpfs ({refused}) and `unshare` is not installed")
    mount.mkdir(parents=True, exist_ok=True)
    listing = mount.parent / f"{mount.name}.listing"
    script = (
        'dir="$1"; opts="$2"; listing="$3"; shift 3\n'
        'mount -t tmpfs -o "$opts" tmpfs "$dir" || exit 99\n'
        '"$@"; rc=$?\n'
        'find "$dir" -mindepth 1 -printf "%P\\n" > "$listing"\n'
        "exit $rc\n"
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(mount), options, str(listing), *command],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=600,
    )
    if done.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs directly ({refused}) nor in a namespace: {done.stderr}")
    return done, set(listing.read_text().split())


def test_a_full_disk_is_named_and_nothing_is_half_written(project, tmp_path):
    where = tmp_path / "full"
    done, left = render_on_tmpfs(project.root, where, "size=64k", where)
    assert done.returncode == EXIT_FAILED, done.stderr
    assert "disk is full" in done.stderr and "nothing was published" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    # No edition, no staging folder, no half-written file. The lock file (empty, taken to
    # repair the archive before anything renders; a lock file is never deleted, or a waiting
    # run would lock a different file) and an empty drafts/ folder are no edition.
    assert left - {".publish.lock", "drafts"} == set(), left
    assert not unkept_builds(project.root)
    project.assert_output_untouched()


@pytest.mark.parametrize("nested", [False, True], ids=["output-dir", "folder-inside-it"])
def test_an_unwritable_output_folder_is_named_and_nothing_is_written(project, tmp_path, nested):
    where = tmp_path / "readonly"
    target = where / "editions" if nested else where
    done, left = render_on_tmpfs(project.root, where, "ro", target)
    assert done.returncode == EXIT_FAILED, done.stderr
    assert f"cannot write to {target}" in done.stderr and "nothing was published" in done.stderr
    assert "Read-only file system" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert left == set()
    project.assert_output_untouched()


# ------------------------------------------------------------------ 4. hostile text

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
MARKUP = ["*bold*", "_x_", "#heading", "$math$", "@cite", "\\", "[link](http://evil.example)"]
MARKUP += ["</div>", "{{< include x >}}"]
# Two events, because the brief shows an event by its first clause (up to 150 characters).
HOSTILE_TEXTS = [
    f"Envoy in Beijing {SCRIPT} {IMG} *bold* _x_ #heading",
    "Talks $math$ @cite \\ [link](http://evil.example) </div> {{< include x >}}",
]
HOSTILE_STRINGS = [SCRIPT, IMG, *MARKUP]
# The built-in template's own script: charts are drawn once the embedded fonts are loaded.
FONT_WAIT = "/* Vega measures a label when it lays a chart out"


@dataclass
class Hostile(Project):
    name: str = ""  # the edition the hostile data renders to by default
    days: tuple[str, ...] = ()


def add_hostile_events(project: Path, latest: dt.date) -> list[str]:
    """Two valid events (data/README.md, "Add an event"): visits between North Korea and
    China just after the data's latest publication date, so they are the latest exchanges
    and fall in the last 90 days: the judgements, exchanges and pivot sections print them."""
    ev = Csv(project, "events.csv")
    source = ev.row(event_line(ev, "2025-09-04-kim-xi-summit"))["source_id"]
    days = [(latest + dt.timedelta(days=2 * n)).isoformat() for n in (1, 2)]
    for n, (day, text) in enumerate(zip(days, HOSTILE_TEXTS, strict=True), start=1):
        a, b = ("PRK", "CHN") if n == 1 else ("CHN", "PRK")
        row = {column: "" for column in ev.header}  # columns added later stay empty
        row.update(
            event_id=f"{day}-hostile-visit-{n}",
            date=day,
            date_precision="day",
            published=day,
            actor_a=a,
            actor_b=b,
            event_type="visit",
            description=text,
            source_id=source,
            confidence="high",
        )
        if "signal" in row:  # contract 1: what the visit says about Pyongyang and Beijing
            row.update(signal="warming", signal_partner="CHN", level="official")
        ev.lines.append(csv_line([row[column] for column in ev.header]))
    ev.save()
    return days


@pytest.fixture(scope="module")
def hostile(earlier: Project, tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    """Another copy of the project with hostile event descriptions; its output holds a copy
    of the earlier edition, so "What changed" lists the new events."""
    root = copy_project(REPO, tmp_path_factory.mktemp("hostile") / "project")
    shutil.copytree(earlier.edition, root / "output" / earlier.edition.name)
    shutil.copyfile(earlier.output / "OFFICIAL", root / "output" / "OFFICIAL")  # official there
    manifest = json.loads((earlier.edition / "manifest.json").read_text())
    days = add_hostile_events(root, dt.date.fromisoformat(manifest["params"]["as_of"]))
    # The default as_of is where every core table is current (data/tables.toml), so it stays
    # at the earlier, official edition's date; the hostile edition is asked for by date.
    assert latest_publication_date(root / "data").isoformat() == manifest["params"]["as_of"]
    checked = brief(root, "check")
    assert checked.returncode == 0, checked.stderr  # the hostile rows are valid data
    output = root / "output"
    return Hostile(
        root,
        output / earlier.edition.name,
        tree_digest(output),
        tree_entries(output),
        name=days[-1],
        days=tuple(days),
    )


def hostile_as_of(hostile: Hostile) -> tuple[str, str]:
    """The hostile edition's date: its last event (after the default, official edition's)."""
    return ("-p", f"as_of={hostile.name}")


def render_hostile(hostile: Hostile) -> Path:
    """The hostile edition, published once (the archive lists it); then up to date."""
    done = brief(hostile.root, "publish", *BUILTIN, *hostile_as_of(hostile), "--quiet")
    assert done.returncode == 0, done.stderr
    edition = Path(last_line(done.stdout))
    assert edition.name == hostile.name
    return edition


def earlier_untouched(hostile: Hostile) -> bool:
    prefix = hostile.edition.name + "/"
    before = {
        k.removeprefix(prefix): v for k, v in hostile.snapshot.items() if k.startswith(prefix)
    }
    return tree_digest(hostile.edition) == before


def test_sigterm_mid_render_exits_130_leaves_nothing_and_the_next_render_works(hostile):
    root = hostile.root
    args: list[str] = []
    if (hostile.output / hostile.name).exists():  # rendered by another test first: start cold
        shutil.rmtree(root / ".brief" / "cache", ignore_errors=True)
        args = ["--edition", "after-interruption"]

    def editions(found: dict[str, str] | set[str]) -> dict[str, str] | set[str]:
        """Leave out the archive pages a render repairs before it starts (issue 16, item 9)."""
        archive = ("index.html", "latest", ".publish.lock")
        keep = [k for k in found if not k.startswith(archive)]
        return {k: found[k] for k in keep} if isinstance(found, dict) else set(keep)

    entries, snapshot = tree_entries(hostile.output), tree_digest(hostile.output)
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", "render", *BUILTIN, "--project", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        deadline = time.monotonic() + 120
        while not (list((root / ".brief" / "build").glob("run-*/notebooks")) and kernels_of(root)):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the render never started executing notebooks"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "interrupted" in err and out == ""
    assert editions(tree_entries(hostile.output)) == editions(entries)  # nor staging folder
    assert editions(tree_digest(hostile.output)) == editions(snapshot)
    assert not unkept_builds(root)
    for _ in range(50):
        if not kernels_of(root):
            break
        time.sleep(0.1)
    assert not kernels_of(root), "a Jupyter kernel outlived the interrupted render"
    for entry in (root / ".brief" / "cache" / "notebooks").glob("[!.]*"):  # whole entries only
        assert json.loads((entry / "executed.ipynb").read_text(encoding="utf-8"))["cells"]

    again = brief(root, "render", *BUILTIN, "--quiet", *args)
    assert again.returncode == 0, again.stderr
    edition = Path(last_line(again.stdout))
    assert (edition / "brief.html").is_file() and (edition / "brief.pdf").is_file()
    assert not list(hostile.output.glob(".staging-*"))
    assert earlier_untouched(hostile)


class Dom(HTMLParser):
    """Elements, scripts and visible text of an HTML document, as an HTML parser sees them."""

    VOID = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        ]
    )
    OPTIONAL_END = frozenset(["p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self.stack and self.stack[-1] != tag and self.stack[-1] in self.OPTIONAL_END:
            self.stack.pop()
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        elif tag not in self.VOID:
            self.errors.append(f"</{tag}> closes nothing open (open: {self.stack[-3:]})")

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts[-1] += data
        elif not (self.stack and self.stack[-1] == "style"):
            self.text.append(data)

    @classmethod
    def parse(cls, page: str) -> Dom:
        dom = cls()
        dom.feed(page)
        dom.close()
        return dom

    @property
    def visible(self) -> str:
        return squash(" ".join(self.text))


def squash(text: str) -> str:
    """Whitespace removed (line breaks fall anywhere in a PDF) and typographic quotes made
    straight: pandoc's and Typst's smart quotes curl the data's `"`."""
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    return re.sub(r"\s+", "", text)


def test_hostile_text_is_shown_as_text_in_the_html_and_nothing_runs(hostile, tmp_path):
    edition = render_hostile(hostile)
    page = (edition / "brief.html").read_text(encoding="utf-8")
    # A probe that writes window.__pwned into the DOM after every other script has run.
    probe = (
        "<script>setTimeout(function () { document.documentElement.setAttribute("
        "'data-pwned', String(window.__pwned)); }, 3000);</script>"
    )
    head, body_end, tail = page.rpartition("</body>")  # the bundle's JS holds "</body>" too
    probed = tmp_path / "brief.html"
    probed.write_text(head + probe + body_end + tail, encoding="utf-8")
    loaded = browser.load(probed, budget_ms=8000)
    assert loaded.page_requests == [], loaded.page_requests
    assert 'data-pwned="undefined"' in loaded.dom, "window.__pwned was set, or the probe never ran"
    for dom in (Dom.parse(page), Dom.parse(loaded.dom)):
        assert not [a for _t, a in dom.elements if "onerror" in a], "an onerror attribute exists"
        assert not [a for t, a in dom.elements if t == "img" and a.get("src") == "x"]
        links = [a.get("href") or "" for t, a in dom.elements if t == "a"]
        assert not [h for h in links if "evil.example" in h], "the Markdown link became a link"
        # scripts: the Vega bundle, the template's wait for the embedded fonts, one
        # vegaEmbed call per chart, and the probe; nothing else
        others = [s for s in dom.scripts if not s.lstrip().startswith("vegaEmbed(")]
        others = [s for s in others if "data-pwned" not in s]
        fonts = [s for s in others if s.lstrip().startswith(FONT_WAIT)]
        others = [s for s in others if s not in fonts]
        assert len(fonts) == 1 and "__pwned" not in fonts[0], [s[:80] for s in fonts]
        assert len(others) == 1 and len(others[0]) > 100_000, [s[:80] for s in others]
        assert "__pwned" not in others[0]
        for string in HOSTILE_STRINGS:
            assert squash(string) in dom.visible, f"{string!r} is not shown as text"
    # no Markdown, math or citation was made of the text
    assert "<em>bold</em>" not in page and "<em>x</em>" not in page
    assert 'data-cites="cite"' not in page and 'class="math' not in page
    # shown where the brief prints the event (once: each fact once, docs/STYLE.md)
    visible = Dom.parse(page).visible
    assert visible.count(squash(SCRIPT)) >= 1 and visible.count(squash(MARKUP[-1])) >= 1


def test_hostile_text_is_literal_in_the_pdf(hostile):
    edition = render_hostile(hostile)
    reader = PdfReader(edition / "brief.pdf")
    text = squash(" ".join(page.extract_text() or "" for page in reader.pages))
    for string in HOSTILE_STRINGS:
        assert squash(string) in text, f"{string!r} is not in the PDF text"
    assert text.count(squash(SCRIPT)) >= 1
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            assert "evil.example" not in str(action.get("/URI", "")), "a link to evil.example"


def test_the_archive_page_stays_well_formed_and_escaped(hostile):
    render_hostile(hostile)
    page = (hostile.output / "index.html").read_text(encoding="utf-8")
    dom = Dom.parse(page)
    assert dom.errors == [] and dom.stack == [], (dom.errors, dom.stack)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert [t for t, _a in dom.elements if t in {"script", "img", "iframe", "object"}] == []
    assert not [a for _t, a in dom.elements if any(k.startswith("on") for k in a)]
    assert "__pwned" not in page and "evil.example" not in page
    names = [a["data-edition"] for t, a in dom.elements if t == "li" and "data-edition" in a]
    assert names[0] == hostile.name and hostile.edition.name in names
    loaded = browser.load(hostile.output / "index.html", budget_ms=2000)
    assert loaded.page_requests == []
    assert earlier_untouched(hostile)  # the earlier edition beside it is byte-identical


# ------------------------------------------------------------------- 5. nothing lost


def test_after_every_failure_the_earlier_edition_and_archive_are_byte_identical(earlier):
    """Runs last: every failure above ran in this project and must have left no trace."""
    now = tree_digest(earlier.output)
    changed = sorted(
        k for k in now.keys() | earlier.snapshot.keys() if now.get(k) != earlier.snapshot.get(k)
    )
    assert changed == [], f"changed, added or removed under output/: {changed}"
    assert tree_entries(earlier.output) == earlier.entries
    assert "index.html" in now and any(k.startswith(earlier.edition.name + "/") for k in now)
    manifest = json.loads((earlier.edition / "manifest.json").read_text(encoding="utf-8"))
    for rel, digest in manifest["files"].items():  # and it still matches its own manifest
        assert hashlib.sha256((earlier.edition / rel).read_bytes()).hexdigest() == digest, rel
    listed = brief(earlier.root, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [e["name"] for e in json.loads(listed.stdout)] == [earlier.edition.name]
