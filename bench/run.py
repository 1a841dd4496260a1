"""The benchmark: `brief render` against a naive papermill-CLI render of the same work.

    .venv/bin/python bench/run.py [--project DIR] [--jobs N] [--quick] [--keep]

Scenarios, each measured for `brief render` ("ours") and for the naive baseline:
  (a) cold render            empty cache, empty output folder
  (b) warm render            the same command again: must be an up-to-date no-op
  (c) one parameter changed  e.g. -p trade_series=KOTRA (which notebooks re-executed?)
  (d) one data value changed one value edited in a copy of data/trade.csv
  (e) matrix of 6 editions   3 as-of dates x 2 values of one parameter, cold cache

The naive baseline executes every notebook, one after another, through the papermill CLI,
then assembles with `brief.engines.assemble`; it has no cache, so (b), (c) and (d) cost it a
full render each and (e) six. The project is always copied to a temp folder first: the real
repository is never modified. Results: a table on standard output and bench/results-latest.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import typing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results-latest.json"
SEED_DATES = ["2024-10-21", "2025-04-08", "2026-01-25"]
NAIVE_FLAG = "--naive-render"  # internal: run one naive render in this process
COPY_IGNORE = shutil.ignore_patterns(
    ".brief", "output", ".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache"
)
SAMPLE_SECONDS = 0.05
PROGRESS = re.compile(r"^\[\s*([\d.]+)s\] (.*)$", re.MULTILINE)  # brief's progress lines
MIB = 1024 * 1024


class BenchError(Exception):
    """A render failed or the project cannot be benchmarked; the message says which and why."""


# --- the machine ------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        meminfo = Path("/proc/meminfo").read_text()
        kib = int(re.search(r"MemTotal:\s+(\d+) kB", meminfo).group(1))  # type: ignore[union-attr]
        memory_gib = round(kib / 1024 / 1024, 1)
    except (OSError, AttributeError):
        memory_gib = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_before": load_average(),
    }


def load_average() -> str:
    """1-, 5- and 15-minute load: other work on the machine makes every number slower."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine_line(info: dict[str, Any]) -> str:
    return (
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, "
        f"Python {info['python']} ({info['platform']}), {info['date']}, "
        f"load average {info['load_before']}"
    )


# --- measuring one subprocess: wall time and peak memory of its whole process tree --------


def _parent_map() -> dict[int, list[int]]:
    """Children of every process, from /proc/<pid>/stat (field 4 is the parent)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) if found else 0


def tree_rss_kib(root: int) -> int:
    """Summed resident memory of `root` and all its descendants (workers, kernels)."""
    children = _parent_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _rss_kib(pid)
        stack.extend(children.get(pid, []))
    return total


def clean_environment() -> dict[str, str]:
    """This environment without BRIEF_* variables (a shared asset cache, a validation
    marker), so neither side inherits a cache the scenario does not give it."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BRIEF_")}


@dataclass
class Measured:
    seconds: float
    peak_mib: float
    returncode: int
    stdout: str
    stderr: str


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run `command`, timing it with perf_counter and sampling its tree's RSS every 50 ms."""
    peak = [0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=out, stderr=err, env={**clean_environment(), **(env or {})}
        )
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss_kib(process.pid))
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return Measured(seconds, peak[0] / 1024, returncode, stdout, stderr)


def checked(run: Measured, what: str) -> Measured:
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-25:])
        raise BenchError(f"{what} failed (exit {run.returncode}):\n{tail}")
    return run


# --- the project copies and the inputs the scenarios change ------------------------------


def copy_project(source: Path, target: Path) -> Path:
    """A scratch copy without cache, outputs, venv or git; fonts and _quarto.yml completed.

    A project without `_quarto.yml` or its fonts folder (the tiny test subject) gets the
    repository's, as tests/support/cli.py `tiny_project()` prepares it.
    """
    shutil.copytree(source, target, ignore=COPY_IGNORE)
    if not (target / "_quarto.yml").is_file() and (REPO / "_quarto.yml").is_file():
        shutil.copyfile(REPO / "_quarto.yml", target / "_quarto.yml")
    fonts = _project_config(target).get("fonts", "assets/fonts")
    if not (target / fonts).is_dir() and (REPO / "assets" / "fonts").is_dir():
        shutil.copytree(REPO / "assets" / "fonts", target / fonts)
    return target


def _project_config(root: Path) -> dict[str, Any]:
    import tomllib

    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle).get("tool", {}).get("brief", {})


def _param_choices(root: Path) -> dict[str, list[str]]:
    """Parameters of the project's model whose type is a Literal, with their choices."""
    from brief.project import load_project

    model = load_project(root).subject("params")
    choices = {}
    for name, info in model.model_fields.items():
        if typing.get_origin(info.annotation) is typing.Literal:
            choices[name] = [str(v) for v in typing.get_args(info.annotation)]
    return choices


def pick_parameter(root: Path, change: str, vary: str) -> tuple[str, str, list[str]]:
    """(name, changed value, matrix values): as asked if the project has that parameter,
    else its first parameter with a fixed set of choices (the tiny subject: colour)."""
    name, _, value = change.partition("=")
    choices = _param_choices(root)
    if name not in choices:
        if not choices:
            raise BenchError(f"{root}: no parameter with a fixed set of choices to vary")
        fallback = next(iter(choices))
        print(f"note: the project has no parameter {name!r}; varying {fallback!r} instead")
        name, value = fallback, ""
    vary_name, _, vary_values = vary.partition("=")
    values = vary_values.split(",") if vary_name == name and vary_values else choices[name][:2]
    return name, value or choices[name][-1], values


def declaring_notebooks(root: Path, name: str) -> list[str]:
    """Notebooks whose `parameters` cell assigns `name` (read here, not by the machinery)."""
    found = []
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*(:[^=]*)?=", re.MULTILINE)
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            if "parameters" not in cell.get("metadata", {}).get("tags", []):
                continue
            source = cell["source"]
            source = "".join(source) if isinstance(source, list) else source
            if pattern.search(source):
                found.append(path.name)
            break
    return found


def data_file(root: Path, wanted: str) -> Path:
    path = root / wanted
    if path.is_file():
        return path
    others = sorted((root / "data").glob("*.csv"))
    if not others:
        raise BenchError(f"{root}: no {wanted} and no other CSV in data/ to edit")
    print(f"note: the project has no {wanted}; editing {others[0].relative_to(root)} instead")
    return others[0]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _target_cell(header: list[str], rows: list[list[str]]) -> tuple[int, int]:
    """(row, column) of the value to edit.

    In trade.csv: the latest total of the file's lead series (the first row's partner,
    series and period type: China's customs, annual) given without exports/imports that
    would have to add up to it. In other files: the last row's last numeric column.
    """
    if "total_usd_m" in header:
        col = header.index("total_usd_m")
        keys = [header.index(c) for c in ("partner", "series", "period_type") if c in header]
        parts = [
            header.index(c) for c in ("exports_to_nk_usd_m", "imports_from_nk_usd_m") if c in header
        ]
        lead = [rows[0][k] for k in keys]
        for r in range(len(rows) - 1, -1, -1):
            row = rows[r]
            alone = all(not row[p] for p in parts)
            if [row[k] for k in keys] == lead and alone and _number(row[col]) is not None:
                return r, col
    skip = {"year", "period"}
    for r in range(len(rows) - 1, -1, -1):
        for col in range(len(header) - 1, -1, -1):
            if header[col] not in skip and _number(rows[r][col]) is not None:
                return r, col
    raise BenchError("no numeric value to edit")


def edit_one_value(path: Path) -> str:
    """Add 1 to one numeric value of the CSV (same format); say which."""
    text = path.read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    r, col = _target_cell(header, rows)
    old = rows[r][col]
    decimals = len(old.split(".", 1)[1]) if "." in old else 0
    rows[r][col] = f"{float(old) + 1:.{decimals}f}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")
    return f"{path.name} line {r + 2}, {header[col]}: {old} -> {rows[r][col]}"


def write_matrix(path: Path, name: str, values: list[str], dates: list[str]) -> list[dict]:
    sets = [{"as_of": day, name: value} for day in dates for value in values]
    lines = [f"- {{as_of: '{s['as_of']}', {name}: '{s[name]}'}}" for s in sets]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sets


# --- ours: `brief render` ----------------------------------------------------------------


def brief_render(project: Path, jobs: int, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "brief.cli", "render",
        "--project", str(project),
        "--output-dir", str(project / "output"),
        "--jobs", str(jobs),
        "--explain",
        *extra,
    ]  # fmt: skip


def executed(stderr: str) -> list[str]:
    """(edition: notebook) pairs an --explain render says it executed, in order."""
    return re.findall(r"\] (\S+: \S+\.ipynb): execute", stderr)


def executed_names(stderr: str) -> list[str]:
    return sorted({pair.split(": ", 1)[1] for pair in executed(stderr)})


def ours_stages(run: Measured) -> dict[str, float]:
    """Where a render's time went, from the timestamps of its progress lines."""
    lines = [(float(t), text) for t, text in PROGRESS.findall(run.stderr)]
    if not lines:
        return {}
    end = lines[-1][0]
    assembling = next((t for t, text in lines if " assembling with " in text), end)
    executing = next((t for t, text in lines if text.startswith("executing ")), assembling)
    return {
        "start-up": run.seconds - end,
        "prepare": executing,
        "notebooks": assembling - executing,
        "assemble": end - assembling,
    }


def notebook_seconds(stderr: str) -> dict[str, float]:
    """Each execution's own time, from `[k/n] name executed in 1.2s` (sums in a matrix)."""
    found: dict[str, float] = {}
    for name, seconds in re.findall(r"\] (\S+\.ipynb) executed in ([\d.]+)s", stderr):
        found[name] = found.get(name, 0.0) + float(seconds)
    return found


def naive_stages(runs: list[Measured], scale: float = 1) -> dict[str, float]:
    """The naive renders' own stage times, summed (times `scale` for an estimate)."""
    total: dict[str, float] = {"start-up": 0.0}
    for run in runs:
        found = re.search(r"^stages: (.*)$", run.stdout, re.MULTILINE)
        for name, seconds in (json.loads(found.group(1)) if found else {}).items():
            total[name] = total.get(name, 0) + seconds * scale
    total["start-up"] = sum(r.seconds for r in runs) * scale - sum(total.values())
    # start-up: interpreter, imports and exit, outside the stages the render timed itself
    return total


# --- the naive baseline ------------------------------------------------------------------


def naive_command(project: Path, work: Path, params: dict[str, str]) -> list[str]:
    flags = [item for name, value in params.items() for item in ("-p", f"{name}={value}")]
    return [sys.executable, __file__, NAIVE_FLAG, str(project), str(work), *flags]


def naive_render(project_dir: Path, work: Path, raw: dict[str, str]) -> None:
    """One render the plain way: papermill CLI per notebook, in turn; then assemble. No cache."""
    from brief.engines import assemble, choose_engine
    from brief.params import edition_name, resolve
    from brief.project import load_project

    started = time.perf_counter()
    project = load_project(project_dir)
    latest = project.subject("latest")(project.data_dir)
    resolved = resolve(project.subject("params"), raw, latest)
    build = work / "build"
    notebooks = build / "notebooks"
    notebooks.mkdir(parents=True)
    env = {
        **os.environ,
        "BRIEF_PROJECT_ROOT": str(project.root),
        "PYTHONPATH": str(project.root / "src"),
    }
    flags = []
    for name, value in resolved.values.items():
        if value is not None:
            flags += ["-p", name, str(value)]
    prepared = time.perf_counter()
    for source in sorted(project.notebooks_dir.glob("*.ipynb")):
        command = [sys.executable, "-m", "papermill", str(source), str(notebooks / source.name)]
        command += ["-k", "python3", "--cwd", str(project.notebooks_dir), *flags]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"papermill {source.name} failed:\n{done.stderr[-3000:]}")
    executed_at = time.perf_counter()
    shutil.copyfile(project.document, build / project.document.name)
    shutil.copyfile(project.root / "_quarto.yml", build / "_quarto.yml")
    shutil.copyfile(project.data_dir / "references.json", build / "references.json")
    fonts = build / "assets" / "fonts"  # where _quarto.yml's font-paths point, as render.py does
    shutil.copytree(project.fonts_dir, fonts)
    (build / "_changes.md").write_text("No previous edition (benchmark baseline).\n")
    (build / "_colophon.md").write_text("Rendered by the benchmark's naive baseline.\n")
    as_of = str(resolved.values.get("as_of") or "2000-01-01")
    day = dt.date.fromisoformat(as_of)
    result = assemble(
        build,
        engine=choose_engine("auto"),
        metadata={"subtitle": f"Edition {edition_name(resolved)}", "date": as_of},
        timestamp=dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC),
        fonts_dir=fonts,
    )
    edition = work / "output" / edition_name(resolved)
    edition.mkdir(parents=True)
    shutil.copyfile(result.html, edition / "brief.html")
    shutil.copyfile(result.pdf, edition / "brief.pdf")
    stages = {
        "prepare": prepared - started,
        "notebooks": executed_at - prepared,
        "assemble": time.perf_counter() - executed_at,
    }
    print("stages: " + json.dumps(stages))


def naive_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"run.py {NAIVE_FLAG}")
    parser.add_argument("project", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    naive_render(args.project, args.work, dict(p.split("=", 1) for p in args.p))
    return 0


# --- the scenarios -----------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    ours_s: float
    naive_s: float
    ours_executed: int
    peak_mib: float
    naive_estimated: bool = False
    executed_notebooks: list[str] = field(default_factory=list)
    note: str = ""
    ours_stages: dict[str, float] = field(default_factory=dict)
    naive_stages: dict[str, float] = field(default_factory=dict)
    ours_notebook_seconds: dict[str, float] = field(default_factory=dict)  # as the workers report

    @property
    def ratio(self) -> float:
        return self.naive_s / self.ours_s if self.ours_s else float("inf")


@dataclass
class Bench:
    project: Path
    work: Path
    jobs: int
    quick: bool
    change: str
    vary: str
    data: str
    rows: list[Row] = field(default_factory=list)
    repetitions: list[list[Row]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    _naive_runs: int = 0

    def ours(self, project: Path, *extra: str, what: str) -> Measured:
        print(f"  ours:  {what} ...", flush=True)
        return checked(measure(brief_render(project, self.jobs, *extra), cwd=project), what)

    def naive(self, project: Path, params: dict[str, str], what: str) -> Measured:
        print(f"  naive: {what} ...", flush=True)
        self._naive_runs += 1
        work = self.work / f"naive-{self._naive_runs}"
        run = measure(naive_command(project, work, params), cwd=project)
        shutil.rmtree(work, ignore_errors=True)
        return checked(run, f"naive render ({what})")

    def add(
        self, scenario: str, ours: Measured, naive: list[Measured], scale: int = 1, note: str = ""
    ) -> Row:
        """A table row; `scale` > 1 estimates the naive time as `scale` x the runs given."""
        row = Row(
            scenario,
            ours.seconds,
            sum(run.seconds for run in naive) * scale,
            len(executed(ours.stderr)),
            ours.peak_mib,
            naive_estimated=scale != 1,
            executed_notebooks=executed_names(ours.stderr),
            note=note,
            ours_stages=ours_stages(ours),
            naive_stages=naive_stages(naive, scale),
            ours_notebook_seconds=notebook_seconds(ours.stderr),
        )
        self.rows.append(row)
        print(f"    {scenario}: ours {row.ours_s:.2f}s, naive {row.naive_s:.2f}s", flush=True)
        return row

    def warm_up(self) -> None:
        """Load the heavy imports once so the first measured render does not pay a cold disk."""
        code = "import papermill, pandas, altair, ipykernel, brief.cli"
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)

    def run(self, repeat: int) -> None:
        """All scenarios `repeat` times, each time on fresh copies; rows hold the medians."""
        base = self.work
        for index in range(1, repeat + 1):
            if repeat > 1:
                print(f"== repetition {index} of {repeat}", flush=True)
            self.work = base / f"run-{index}"
            self.work.mkdir()
            self.rows = []
            self.run_once()
            self.repetitions.append(self.rows)
        self.work = base
        self.rows = combine(self.repetitions)

    def run_once(self) -> None:
        ours_dir = copy_project(self.project, self.work / "ours")
        naive_dir = copy_project(self.project, self.work / "naive")
        name, value, values = pick_parameter(ours_dir, self.change, self.vary)
        self.facts.update(parameter=f"{name}={value}")
        self.warm_up()

        print("(a) cold render", flush=True)
        cold = self.ours(ours_dir, what="cold render")
        naive_cold = self.naive(naive_dir, {}, "full render")
        self.add("(a) cold render", cold, [naive_cold])

        print("(b) warm render, no change", flush=True)
        warm = self.ours(ours_dir, what="warm render")
        naive_warm = self.naive(naive_dir, {}, "full render")
        no_op = "up to date" in warm.stderr and not executed(warm.stderr)
        no_op = no_op and self.facts.get("warm_is_up_to_date_no_op", True)
        self.facts["warm_is_up_to_date_no_op"] = no_op
        note = "up to date" if no_op else "NOT an up-to-date no-op"
        self.add("(b) warm, no change", warm, [naive_warm], note=note)

        print(f"(c) one parameter changed: {name}={value}", flush=True)
        changed = self.ours(ours_dir, "-p", f"{name}={value}", what=f"-p {name}={value}")
        naive_changed = self.naive(naive_dir, {name: value}, f"-p {name}={value}")
        expected = declaring_notebooks(ours_dir, name)
        self.facts["declaring_notebooks"] = expected
        note = f"declared by {len(expected)}: {', '.join(expected) or 'none'}"
        self.add(f"(c) -p {name}={value}", changed, [naive_changed], note=note)

        relative = data_file(ours_dir, self.data).relative_to(ours_dir)
        edit = edit_one_value(ours_dir / relative)
        edit_one_value(naive_dir / relative)
        print(f"(d) one data value changed: {edit}", flush=True)
        self.facts["data_edit"] = edit
        data_run = self.ours(ours_dir, "--force", what="render after the data edit")
        naive_data = self.naive(naive_dir, {}, "full render with the edited data")
        self.add("(d) one data value", data_run, [naive_data], note=edit)

        self.run_matrix(name, values, naive_cold)

    def run_matrix(self, name: str, values: list[str], naive_cold: Measured) -> None:
        print(f"(e) matrix of {len(SEED_DATES) * len(values)} editions, cold cache", flush=True)
        ours_dir = copy_project(self.project, self.work / "matrix-ours")
        naive_dir = copy_project(self.project, self.work / "matrix-naive")
        sets = write_matrix(self.work / "matrix.yaml", name, values, SEED_DATES)
        matrix = self.ours(ours_dir, "--matrix", str(self.work / "matrix.yaml"), what="matrix")
        note = f"{len(sets)} editions: {', '.join(SEED_DATES)} x {name} {'/'.join(values)}"
        if self.quick:
            note += f"; naive = {len(sets)} x naive cold (estimate, --quick)"
            self.add(f"(e) matrix of {len(sets)}", matrix, [naive_cold], len(sets), note)
            return
        naive = []
        for params in sets:
            shown = ", ".join(f"{k}={v}" for k, v in params.items())
            naive.append(self.naive(naive_dir, params, shown))
        self.add(f"(e) matrix of {len(sets)}", matrix, naive, note=note)


def combine(runs: list[list[Row]]) -> list[Row]:
    """Per scenario: the median times and the highest peak over the repetitions."""
    if len(runs) == 1:
        return runs[0]
    combined = []
    for same in zip(*runs, strict=True):
        combined.append(
            replace(
                same[0],
                ours_s=statistics.median(r.ours_s for r in same),
                naive_s=statistics.median(r.naive_s for r in same),
                peak_mib=max(r.peak_mib for r in same),
                ours_stages=median_stages([r.ours_stages for r in same]),
                naive_stages=median_stages([r.naive_stages for r in same]),
            )
        )
    return combined


def median_stages(stages: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(s.get(key, 0.0) for s in stages) for key in stages[0]}


# --- targets, table, JSON ----------------------------------------------------------------


def targets(bench: Bench) -> list[tuple[str, bool, str]]:
    rows = {row.scenario[:3]: row for row in bench.rows}
    cold, warm, changed, matrix = rows["(a)"], rows["(b)"], rows["(c)"], rows["(e)"]
    expected = sorted(bench.facts["declaring_notebooks"])
    peak = max(row.peak_mib for row in bench.rows)
    speedup = cold.ours_s / warm.ours_s if warm.ours_s else float("inf")
    return [
        (
            "warm render < 1 s and >= 10x faster than cold (an up-to-date no-op)",
            warm.ours_s < 1 and speedup >= 10 and bench.facts["warm_is_up_to_date_no_op"],
            f"{warm.ours_s:.2f} s, {speedup:.0f}x faster than cold"
            + ("" if bench.facts["warm_is_up_to_date_no_op"] else ", NOT a no-op"),
        ),
        (
            "changed parameter re-executes only the notebooks that declare it",
            changed.executed_notebooks == expected,
            f"re-executed {changed.executed_notebooks or 'none'}; declaring: {expected or 'none'}",
        ),
        (
            "cold render >= 2x faster than naive",
            cold.ratio >= 2,
            f"{cold.ratio:.2f}x",
        ),
        (
            "matrix of 6 <= 3x one cold render",
            matrix.ours_s <= 3 * cold.ours_s,
            f"{matrix.ours_s / cold.ours_s:.2f}x one cold render",
        ),
        ("peak memory < 1 GiB", peak < 1024, f"max {peak:.0f} MiB"),
    ]


def stages_text(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in stages.items()) or "unknown"


def table(rows: list[Row]) -> str:
    head = ["scenario", "ours (s)", "naive (s)", "naive/ours", "executed", "peak MiB"]
    body = [
        [
            row.scenario,
            f"{row.ours_s:.2f}",
            f"{row.naive_s:.2f}" + ("*" if row.naive_estimated else ""),
            f"{row.ratio:.1f}x",
            str(row.ours_executed),
            f"{row.peak_mib:.0f}",
        ]
        for row in rows
    ]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    lines = [line(head), "  ".join("-" * w for w in widths), *map(line, body)]
    if any(row.naive_estimated for row in rows):
        lines.append("  * estimated, not measured (--quick)")
    lines += [f"  {row.scenario}: {row.note}" for row in rows if row.note]
    lines.append("where the time went (s):")
    for row in rows:
        lines.append(f"  {row.scenario}: ours {stages_text(row.ours_stages)}")
        lines.append(f"  {' ' * len(row.scenario)}  naive {stages_text(row.naive_stages)}")
    return "\n".join(lines)


def report(bench: Bench, info: dict[str, Any]) -> str:
    checks = targets(bench)
    count = len(bench.repetitions)
    runs = f"{count} runs, medians" if count > 1 else "1 run"
    lines = [
        machine_line(info),
        f"project: {bench.project}   jobs: {bench.jobs}   quick: {bench.quick}   {runs}   "
        f"load average at the end: {info['load_after']}",
        "",
        table(bench.rows),
        "",
        "targets:",
        *(f"  [{'met' if ok else 'MISSED'}] {text}: {detail}" for text, ok, detail in checks),
    ]
    results = {
        "machine": info,
        "project": str(bench.project),
        "jobs": bench.jobs,
        "quick": bench.quick,
        "facts": bench.facts,
        "repeat": len(bench.repetitions),
        "rows": [{**asdict(row), "ratio": row.ratio} for row in bench.rows],
        "repetitions": [[asdict(row) for row in rows] for rows in bench.repetitions],
        "targets": [{"target": t, "met": ok, "detail": d} for t, ok, d in checks],
    }
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO, help="project folder (the repo)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="(default: cores)")
    parser.add_argument("--quick", action="store_true", help="estimate the naive matrix")
    parser.add_argument("--repeat", type=int, default=1, help="run N times, report medians")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--change", default="trade_series=KOTRA", metavar="NAME=VALUE")
    parser.add_argument("--vary", default="trade_series=GACC,KOTRA", metavar="NAME=V1,V2")
    parser.add_argument("--data", default="data/trade.csv", help="data file to edit in (d)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [NAIVE_FLAG]:
        return naive_main(argv[1:])
    args = parse_args(argv)
    info = machine()
    print(machine_line(info), flush=True)
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    bench = Bench(args.project.resolve(), work, args.jobs, args.quick, args.change, args.vary,
                  args.data)  # fmt: skip
    try:
        bench.run(max(1, args.repeat))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    info["load_after"] = load_average()
    print()
    print(report(bench, info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
