"""The benchmark: `brief render` against what a user would run instead, and against the floor.

    .venv/bin/python bench/run.py [--project DIR] [--jobs N] [--quick] [--repeat N]
                                  [--only LETTERS] [--keep]

Scenarios, each measured side by side in one run ("ours" = `brief render`):
  (a) cold render            empty cache, empty output folder; naive papermill-CLI render beside it
  (b) warm render            the same command again: must be an up-to-date no-op
  (c) one parameter changed  e.g. -p trade_series=KOTRA (which notebooks re-executed?)
  (d) one data value changed one value edited in a copy of data/trade.csv
  (e) matrix of 6 editions   3 as-of dates x 2 values of one parameter, cold cache
  (f) Quarto itself          `quarto render` executes (Jupyter engine, --execute-params) and
                             renders the same notebooks, both formats; "skipped: no quarto"
  (g) both engines           `brief render --engine builtin` beside `--engine quarto`
  (h) the floor              one kernel start to ready + the notebooks' imports + the
                             notebooks' own compute / workers + the charts' static SVGs /
                             workers + one assembly, measured here
  (i) scaling                matrices of 1, 3, 6, 12 editions; the data x10 and x100
                             (synthetic valid rows in a scratch copy), time and peak memory

The naive baseline executes every notebook, one after another, through the papermill CLI,
then assembles with `brief.engines.assemble`; it has no cache, so (b), (c) and (d) cost it a
full render each and (e) six. The project is always copied to a temp folder first: the real
repository is never modified. Results: a table on standard output and, for a full run,
bench/results-latest.json.
"""

from __future__ import annotations

import argparse
import ast
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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results-latest.json"
SEED_DATES = ["2024-10-21", "2025-04-08", "2026-01-25"]
# Three more as-of dates for the matrix of 12 (6 dates x 2 values), inside the seeds' span.
MORE_DATES = ["2024-06-01", "2025-08-01", "2025-11-15"]
SCENARIOS = "abcdefghi"
NAIVE_FLAG = "--naive-render"  # internal: run one naive render in this process
QUARTO_PREPARE_FLAG = "--quarto-prepare"  # internal: fill a build folder for (f)
QUARTO_FLAG = "--quarto-render"  # internal: (f), Quarto executes and renders a build folder
FLOOR_FLAG = "--floor-probe"  # internal: (h), measure the floor's parts in this process
COPY_IGNORE = shutil.ignore_patterns(
    ".brief", "output", ".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache"
)
SAMPLE_SECONDS = 0.05
PROGRESS = re.compile(r"^\[\s*([\d.]+)s\] (.*)$", re.MULTILINE)  # brief's progress lines
MIB = 1024 * 1024
# (i): the tables the data scaling multiplies. A case `N` is events x N and provocations
# x N/10 (issue 18's data x100 case); `N/M` is events x N and provocations x M (its data
# x2,000 case, 1,000,000 provocation rows, is `2000/2000`).
EVENTS_TABLE, MINOR_TABLE = "events.csv", "provocations.csv"


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
        "quarto": quarto_version(),
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
        f"load average {info['load_before']}, quarto: {info['quarto'] or 'none on PATH'}"
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
    # As `bash tasks.sh setup` leaves a checkout: the project's modules compiled (this
    # machine sets PYTHONDONTWRITEBYTECODE, so nothing else would write their bytecode).
    if (target / "src").is_dir():
        import compileall

        compileall.compile_dir(target / "src", quiet=2, workers=0)
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


def matrix_sets(name: str, values: list[str], size: int) -> tuple[list[str], list[str]]:
    """(dates, values) whose product has `size` editions: 1 or 3 editions are that many dates
    x the first value; more are dates x all values (6 = 3 x 2, 12 = 6 x 2)."""
    dates = SEED_DATES + MORE_DATES
    if size <= len(SEED_DATES):
        return dates[:size], values[:1]
    count, rest = divmod(size, len(values))
    if rest or count > len(dates):
        raise BenchError(f"a matrix of {size} does not fit {len(dates)} dates x {len(values)}")
    return dates[:count], values


def scale_table(path: Path, factor: int) -> tuple[int, int]:
    """Multiply a CSV's rows by `factor` with valid copies; return (rows before, after).

    Every copy keeps its row's date, source and content (so the as-of view still holds it
    back until its source was published) and gets a new id: the first column, when it is
    the table's id (`event_id`, `provocation_id`), and any `trip_id` gain `-s<k>`, which
    keeps ids slugs that start with their date.
    """
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    key = header[0].endswith("id")
    trip = header.index("trip_id") if "trip_id" in header else None
    out = [header, *rows]
    for k in range(1, factor):
        for row in rows:
            copy = list(row)
            if key:
                copy[0] = f"{row[0]}-s{k}"
            if trip is not None and row[trip]:
                copy[trip] = f"{row[trip]}-s{k}"
            out.append(copy)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(out)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return len(rows), len(out) - 1


def parse_scale(text: str) -> tuple[int, int]:
    """`N` -> (N, N/10 but at least 1); `N/M` -> (N, M): the events' and provocations' factors."""
    major, _, minor = text.partition("/")
    return int(major), int(minor) if minor else max(1, int(major) // 10)


def scale_data(root: Path, factors: tuple[int, int]) -> str:
    """Scale the project copy's data: events x factors[0], provocations x factors[1]; a
    project with neither (the tiny subject) has every CSV in data/ x factors[0]. Say what."""
    tables = {EVENTS_TABLE: factors[0], MINOR_TABLE: factors[1]}
    tables = {name: n for name, n in tables.items() if (root / "data" / name).is_file()}
    if not tables:
        tables = {path.name: factors[0] for path in sorted((root / "data").glob("*.csv"))}
    if not tables:
        raise BenchError(f"{root}: no CSV in data/ to scale")
    done = []
    for name, times in tables.items():
        before, after = scale_table(root / "data" / name, times)
        done.append(f"{name} {before} -> {after} rows (x{times})")
    return "; ".join(done)


def brief_check(root: Path) -> None:
    """The scaled data must be valid: `brief check` on the copy, or a clear error."""
    run = measure([sys.executable, "-m", "brief.cli", "check", "--project", str(root)], cwd=root)
    if run.returncode != 0:
        tail = "\n".join((run.stderr or run.stdout).strip().splitlines()[-15:])
        raise BenchError(f"the synthetic data in {root} fails `brief check`:\n{tail}")


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


_RENDER_HELP: list[str] = []


def render_accepts(flag: str) -> bool:
    """Whether this `brief render` has an option (e.g. `--force`, gone once drafts are
    rebuilt freely): read from its --help, so the benchmark follows the CLI as it changes."""
    if not _RENDER_HELP:
        done = subprocess.run(
            [sys.executable, "-m", "brief.cli", "render", "--help"],
            capture_output=True, text=True, env={**clean_environment(), "COLUMNS": "200"},
        )  # fmt: skip
        _RENDER_HELP.append(done.stdout)
    return re.search(rf"(^|[\s,]){re.escape(flag)}\b", _RENDER_HELP[0], re.MULTILINE) is not None


def edition_folder(run: Measured) -> Path | None:
    """The edition folder a render names on its last stdout line (contract 7), if any."""
    lines = run.stdout.strip().splitlines()
    path = Path(lines[-1].strip()) if lines else None
    return path if path is not None and path.is_dir() else None


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


def own_stages(runs: list[Measured], scale: float = 1) -> dict[str, float]:
    """Stage times a baseline printed itself (`stages: {...}`), summed (x `scale`)."""
    total: dict[str, float] = {"start-up": 0.0}
    for run in runs:
        found = re.search(r"^stages: (.*)$", run.stdout, re.MULTILINE)
        for name, seconds in (json.loads(found.group(1)) if found else {}).items():
            total[name] = total.get(name, 0) + seconds * scale
    total["start-up"] = sum(r.seconds for r in runs) * scale - sum(total.values())
    # start-up: interpreter, imports and exit, outside the stages the render timed itself
    return total


# --- the naive baseline and the Quarto baseline share how a build folder is filled --------


def resolved_params(project: Any, raw: dict[str, str]) -> Any:
    from brief.params import resolve

    latest = project.subject("latest")(project.data_dir)
    return resolve(project.subject("params"), raw, latest)


def fill_build(project: Any, build: Path) -> Path:
    """Sources, bibliography, fonts and placeholder sections, as src/brief/render.py does."""
    shutil.copyfile(project.document, build / project.document.name)
    shutil.copyfile(project.root / "_quarto.yml", build / "_quarto.yml")
    shutil.copyfile(project.data_dir / "references.json", build / "references.json")
    fonts = build / "assets" / "fonts"  # where _quarto.yml's font-paths point
    shutil.copytree(project.fonts_dir, fonts, dirs_exist_ok=True)
    (build / "_changes.md").write_text("No previous edition (benchmark baseline).\n")
    (build / "_colophon.md").write_text("Rendered by the benchmark's baseline.\n")
    return fonts


def edition_metadata(resolved: Any) -> tuple[dict[str, str], dt.datetime]:
    from brief.params import edition_name

    as_of = str(resolved.values.get("as_of") or "2000-01-01")
    day = dt.date.fromisoformat(as_of)
    meta = {"subtitle": f"Edition {edition_name(resolved)}", "date": as_of}
    return meta, dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def kernel_environment(project: Any) -> dict[str, str]:
    """What a kernel needs to find the subject's code and data (the seam's variables)."""
    return {
        **os.environ,
        "BRIEF_PROJECT_ROOT": str(project.root),
        "BRIEF_DATA_DIR": str(project.data_dir),
        "PYTHONPATH": str(project.root / "src"),
    }


def naive_command(project: Path, work: Path, params: dict[str, str]) -> list[str]:
    flags = [item for name, value in params.items() for item in ("-p", f"{name}={value}")]
    return [sys.executable, __file__, NAIVE_FLAG, str(project), str(work), *flags]


def naive_render(project_dir: Path, work: Path, raw: dict[str, str]) -> None:
    """One render the plain way: papermill CLI per notebook, in turn; then assemble. No cache."""
    from brief.engines import assemble, choose_engine
    from brief.params import edition_name
    from brief.project import load_project

    started = time.perf_counter()
    project = load_project(project_dir)
    resolved = resolved_params(project, raw)
    build = work / "build"
    notebooks = build / "notebooks"
    notebooks.mkdir(parents=True)
    env = kernel_environment(project)
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
    fonts = fill_build(project, build)
    metadata, timestamp = edition_metadata(resolved)
    result = assemble(
        build,
        engine=choose_engine("auto"),
        metadata=metadata,
        timestamp=timestamp,
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


# --- (f) Quarto executing and rendering the same notebooks itself -------------------------


def quarto_version() -> str | None:
    exe = shutil.which("quarto")
    if not exe:
        return None
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "unknown version"
    return (done.stdout.strip().splitlines() or ["unknown version"])[0]


def quarto_prepare(project_dir: Path, build: Path, raw: dict[str, str]) -> None:
    """A folder a Quarto user would have (untimed): the sources, the clean notebooks, the
    support files the machinery writes at assembly (Vega header, house CSS) as if committed,
    and the edition's parameters as a YAML file for `--execute-params`."""
    from brief.engines import builtin
    from brief.engines.config import load_project as load_sources
    from brief.project import load_project

    project = load_project(project_dir)
    resolved = resolved_params(project, raw)
    shutil.copytree(project.notebooks_dir, build / "notebooks")
    fill_build(project, build)
    sources = load_sources(build)
    builtin.write_support_files(sources)
    # The engines splice the Vega bundle into the written page; a Quarto user has it in the
    # header itself, which Quarto then carries through pandoc.
    header, placeholder = sources.vega_header(), getattr(builtin, "VEGA_PLACEHOLDER", None)
    if header is not None and placeholder and header.is_file():
        text = header.read_text(encoding="utf-8")
        header.write_text(text.replace(placeholder, builtin.vega_bundle()), encoding="utf-8")
    values = {k: str(v) for k, v in resolved.values.items() if v is not None}
    # Quoted strings: Quarto reads the file as YAML and must not turn dates into dates.
    lines = [f"{name}: {json.dumps(value)}" for name, value in values.items()]
    (build / "params.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    metadata, timestamp = edition_metadata(resolved)
    info = {
        "metadata": metadata,
        "epoch": int(timestamp.timestamp()),
        "document": project.document.name,
    }
    (build / "edition.json").write_text(json.dumps(info), encoding="utf-8")


def quarto_render(project_dir: Path, build: Path) -> None:
    """Timed: `quarto render` executes every notebook with its Jupyter engine (parameters
    from --execute-params, injected after the `parameters` cell as papermill does), then
    renders the document to both formats of _quarto.yml in one call. Each executed notebook
    replaces its clean copy, so the document's embeds read its outputs."""
    exe = shutil.which("quarto")
    if not exe:
        sys.exit("no quarto on PATH")
    info = json.loads((build / "edition.json").read_text(encoding="utf-8"))
    env = {
        **os.environ,
        "BRIEF_PROJECT_ROOT": str(project_dir),
        "BRIEF_DATA_DIR": str(project_dir / "data"),
        "PYTHONPATH": str(project_dir / "src"),
        "QUARTO_PYTHON": sys.executable,  # the kernel runs in this environment
        "SOURCE_DATE_EPOCH": str(info["epoch"]),
    }
    started = time.perf_counter()
    for source in sorted((build / "notebooks").glob("*.ipynb")):
        out_name = f"{source.stem}.executed.ipynb"
        command = [exe, "render", str(source.relative_to(build)), "--execute"]
        command += ["--execute-params", str(build / "params.yml")]
        command += ["--to", "ipynb", "--output", out_name]
        run_quarto(command, build, env, f"quarto render {source.name} --execute")
        found = sorted(build.rglob(out_name))
        if not found:
            sys.exit(f"quarto render {source.name} --to ipynb wrote no {out_name} in {build}")
        found[0].replace(source)
    executed_at = time.perf_counter()
    document = info["document"]
    meta = [item for k, v in info["metadata"].items() for item in ("-M", f"{k}:{v}") if v]
    run_quarto([exe, "render", document, *meta], build, env, f"quarto render {document}")
    for suffix in (".html", ".pdf"):
        if not (build / Path(document).with_suffix(suffix)).is_file():
            sys.exit(f"quarto render {document} wrote no {suffix} file in {build}")
    stages = {"notebooks": executed_at - started, "assemble": time.perf_counter() - executed_at}
    print("stages: " + json.dumps(stages))


def run_quarto(command: list[str], cwd: Path, env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-20:])
        sys.exit(f"{what} failed (exit {done.returncode}):\n{tail}")


def quarto_main(flag: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"run.py {flag}")
    parser.add_argument("project", type=Path)
    parser.add_argument("build", type=Path)
    parser.add_argument("-p", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    if flag == QUARTO_PREPARE_FLAG:
        quarto_prepare(args.project, args.build, dict(p.split("=", 1) for p in args.p))
    else:
        quarto_render(args.project, args.build)
    return 0


# --- (h) the floor: what a cold render cannot avoid on this machine ----------------------


def notebook_imports(paths: list[Path]) -> list[str]:
    """The top-level import statements of the notebooks' code cells, each once, in order."""
    import nbformat

    found: list[str] = []
    for path in paths:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue  # a magic or shell line: not plain Python
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom):
                    statement = ast.unparse(node)
                    if statement not in found:
                        found.append(statement)
    return found


def _papermill_value(text: str) -> Any:
    """A parameter value as the papermill CLI's `-p name value` reads it (naive's way)."""
    try:
        from papermill.cli import _resolve_type

        return _resolve_type(text)
    except ImportError:
        return text


def start_kernel(env: dict[str, str], cwd: Path, spec_root: Path) -> tuple[Any, Any, float]:
    """A python3 kernel of this interpreter, timed from start to its first kernel_info reply
    (jupyter_client's own wait_for_ready adds a fixed sleep the floor does not need)."""
    from jupyter_client import KernelManager

    spec = spec_root / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    os.environ["JUPYTER_PATH"] = str(spec_root)
    start = time.perf_counter()
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(cwd), env=env)
    client = manager.client()
    client.start_channels()
    client.kernel_info()
    client.get_shell_msg(timeout=120)
    ready = time.perf_counter() - start
    client.wait_for_ready(timeout=120)  # untimed: iopub is surely connected after this
    return manager, client, ready


def run_code(client: Any, code: str) -> float:
    """Execute `code` in the kernel; its wall time, or an error with the kernel's message."""
    start = time.perf_counter()
    reply = client.execute_interactive(code, timeout=600, output_hook=lambda _msg: None)
    seconds = time.perf_counter() - start
    content = reply["content"]
    if content.get("status") != "ok":
        raise BenchError(f"floor probe: {content.get('ename')}: {content.get('evalue')}")
    return seconds


def execute_in_kernel(path: Path, params: dict[str, str], manager: Any, client: Any) -> Any:
    """One notebook's cells, with papermill's parameter injection, in the warm kernel."""
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(path))  # as papermill reads it (every cell gets its tags)
    nb = parameterize_notebook(nb, {k: _papermill_value(v) for k, v in params.items()})
    runner = NotebookClient(nb, km=manager, resources={"metadata": {"path": str(path.parent)}})
    runner.kc = client
    runner.reset_execution_trackers()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            runner.execute_cell(cell, index)
    return nb


def floor_probe(project_dir: Path, work: Path, jobs: int) -> dict[str, Any]:
    """The floor's parts, each measured here: CLI start-up, one kernel start to ready, the
    notebooks' imports in it, each notebook's own compute in that one warm kernel (divided
    by the workers), and one assembly of the executed notebooks (engine `auto`)."""
    import nbformat

    from brief.engines import assemble, choose_engine, warm_up
    from brief.execute import add_static_charts
    from brief.project import load_project

    project = load_project(project_dir)
    resolved = resolved_params(project, {})
    params = {k: str(v) for k, v in resolved.values.items() if v is not None}
    paths = sorted(project.notebooks_dir.glob("*.ipynb"))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "brief.cli", "--help"], capture_output=True, check=True)
    startup = time.perf_counter() - started

    env = kernel_environment(project)
    manager, client, kernel = start_kernel(env, project.notebooks_dir, work / "jupyter")
    build = work / "build"
    (build / "notebooks").mkdir(parents=True)
    compute: dict[str, float] = {}
    executed = {}
    try:
        imports = run_code(client, "\n".join(notebook_imports(paths)))
        for path in paths:
            run_code(client, "get_ipython().run_line_magic('reset', '-f')")  # untimed: a reset
            start = time.perf_counter()
            executed[path.name] = execute_in_kernel(path, params, manager, client)
            compute[path.name] = time.perf_counter() - start
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    # The PDF's charts: every chart's static SVG (vl-convert, its engine started here, as
    # in a render), without which the assembly below would print alt text for them.
    start = time.perf_counter()
    for nb in executed.values():
        add_static_charts(nb)
    static_charts = time.perf_counter() - start
    for name, nb in executed.items():
        nbformat.write(nb, build / "notebooks" / name)

    fonts = fill_build(project, build)
    start = time.perf_counter()
    warm_up()  # the Vega bundle: a render gets it while notebooks run, so kept apart
    bundle = time.perf_counter() - start
    metadata, timestamp = edition_metadata(resolved)
    start = time.perf_counter()
    engine = choose_engine("auto")
    assemble(build, engine=engine, metadata=metadata, timestamp=timestamp, fonts_dir=fonts)
    assembly = time.perf_counter() - start
    parts = {
        "start-up": startup,
        "kernel to ready": kernel,
        "imports": imports,
        f"compute / {jobs}": sum(compute.values()) / jobs,
        # per-notebook work like the compute: a render draws each notebook's charts as it
        # arrives, beside the kernels, so it counts divided by the workers too
        f"static charts / {jobs}": static_charts / jobs,
        "assembly": assembly,
    }
    return {
        "floor_s": sum(parts.values()),
        "parts": parts,
        "compute_s": compute,
        "vega_bundle_s": bundle,
        "imports": notebook_imports(paths),
    }


def floor_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"run.py {FLOOR_FLAG}")
    parser.add_argument("project", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("jobs", type=int)
    args = parser.parse_args(argv)
    try:
        result = floor_probe(args.project, args.work, args.jobs)
    except BenchError as exc:
        sys.exit(str(exc))
    print("floor: " + json.dumps(result))
    return 0


# --- the scenarios -----------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    ours_s: float
    naive_s: float | None  # None: no baseline for this row
    ours_executed: int
    peak_mib: float
    naive_estimated: bool = False
    executed_notebooks: list[str] = field(default_factory=list)
    note: str = ""
    ours_stages: dict[str, float] = field(default_factory=dict)
    naive_stages: dict[str, float] = field(default_factory=dict)
    ours_notebook_seconds: dict[str, float] = field(default_factory=dict)  # as the workers report
    baseline: str = "naive"  # what the naive column holds: "naive" (papermill) or "quarto"
    naive_peak_mib: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.naive_s is None:
            return None
        return self.naive_s / self.ours_s if self.ours_s else float("inf")


@dataclass
class ScaleRow:
    """One line of the scaling tables (i): a cold render of a bigger matrix or bigger data."""

    table: str  # "matrix" or "data"
    case: str  # e.g. "12 editions", "data x100"
    size: int
    seconds: float
    peak_mib: float
    executed: int
    note: str = ""
    stages: dict[str, float] = field(default_factory=dict)


@dataclass
class Bench:
    project: Path
    work: Path
    jobs: int
    quick: bool
    change: str
    vary: str
    data: str
    only: str = SCENARIOS
    matrix_sizes: list[int] = field(default_factory=lambda: [1, 3, 6, 12])
    data_scales: list[tuple[int, int]] = field(default_factory=lambda: [(10, 1), (100, 10)])
    rows: list[Row] = field(default_factory=list)
    scaling: list[ScaleRow] = field(default_factory=list)
    floor: dict[str, Any] = field(default_factory=dict)
    repetitions: list[tuple[list[Row], list[ScaleRow], dict[str, Any]]] = field(
        default_factory=list
    )
    facts: dict[str, Any] = field(default_factory=dict)
    _runs: int = 0

    # --- running one thing, measured ---

    def ours(self, project: Path, *extra: str, what: str) -> Measured:
        print(f"  ours:  {what} ...", flush=True)
        run = checked(measure(brief_render(project, self.jobs, *extra), cwd=project), what)
        if edition_folder(run) is None:
            print(f"    note: the last stdout line of {what} names no edition folder", flush=True)
        return run

    def scratch(self, name: str) -> Path:
        self._runs += 1
        return self.work / f"{name}-{self._runs}"

    def naive(self, project: Path, params: dict[str, str], what: str) -> Measured:
        print(f"  naive: {what} ...", flush=True)
        work = self.scratch("naive")
        run = measure(naive_command(project, work, params), cwd=project)
        shutil.rmtree(work, ignore_errors=True)
        return checked(run, f"naive render ({what})")

    def quarto(self, project: Path, params: dict[str, str], what: str) -> Measured:
        """(f): the build folder is prepared untimed, then Quarto's own run is measured."""
        print(f"  quarto: {what} ...", flush=True)
        build = self.scratch("quarto")
        flags = [item for name, value in params.items() for item in ("-p", f"{name}={value}")]
        prepare = [sys.executable, __file__, QUARTO_PREPARE_FLAG, str(project), str(build)]
        checked(measure([*prepare, *flags], cwd=project), f"preparing ({what})")
        command = [sys.executable, __file__, QUARTO_FLAG, str(project), str(build)]
        run = checked(measure(command, cwd=build), f"quarto ({what})")
        shutil.rmtree(build, ignore_errors=True)
        return run

    def copy(self, name: str) -> Path:
        return copy_project(self.project, self.scratch(name))

    def add(
        self,
        scenario: str,
        ours: Measured,
        naive: list[Measured],
        scale: int = 1,
        note: str = "",
        baseline: str = "naive",
    ) -> Row:
        """A table row; `scale` > 1 estimates the naive time as `scale` x the runs given."""
        row = Row(
            scenario,
            ours.seconds,
            sum(run.seconds for run in naive) * scale if naive else None,
            len(executed(ours.stderr)),
            ours.peak_mib,
            naive_estimated=scale != 1,
            executed_notebooks=executed_names(ours.stderr),
            note=note,
            ours_stages=ours_stages(ours),
            naive_stages=own_stages(naive, scale) if naive else {},
            ours_notebook_seconds=notebook_seconds(ours.stderr),
            baseline=baseline,
            naive_peak_mib=max((run.peak_mib for run in naive), default=None),
        )
        self.rows.append(row)
        shown = f", {baseline} {row.naive_s:.2f}s" if row.naive_s is not None else ""
        print(f"    {scenario}: ours {row.ours_s:.2f}s{shown}", flush=True)
        return row

    def warm_up(self) -> None:
        """Load the heavy imports once so the first measured render does not pay a cold disk."""
        code = "import papermill, pandas, altair, ipykernel, brief.cli"
        subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)

    def run(self, repeat: int) -> None:
        """The chosen scenarios `repeat` times, each time on fresh copies; medians kept."""
        base = self.work
        for index in range(1, repeat + 1):
            if repeat > 1:
                print(f"== repetition {index} of {repeat}", flush=True)
            self.work = base / f"run-{index}"
            self.work.mkdir()
            self.rows, self.scaling, self.floor = [], [], {}
            self.run_once()
            self.repetitions.append((self.rows, self.scaling, self.floor))
        self.work = base
        self.rows = combine([rows for rows, _, _ in self.repetitions])
        self.scaling = combine_scaling([scaling for _, scaling, _ in self.repetitions])
        self.floor = combine_floor([floor for _, _, floor in self.repetitions])

    def run_once(self) -> None:
        name, value, values = pick_parameter(self.copy("params"), self.change, self.vary)
        self.facts.update(parameter=f"{name}={value}", quarto=quarto_version())
        self.warm_up()
        cold = naive_cold = None
        if set(self.only) & set("abcd"):
            cold, naive_cold = self.guarded("abcd", self.run_repeats, name, value) or (None, None)
        if "e" in self.only:
            self.guarded("e", self.run_matrix, name, values, naive_cold)
        if "f" in self.only:
            self.guarded("f", self.run_quarto, cold)
        if "g" in self.only:
            self.guarded("g", self.run_engines)
        if "h" in self.only:
            self.guarded("h", self.run_floor)
        if "i" in self.only:
            self.guarded("i", self.run_scaling, name, values)

    def guarded(self, letters: str, step: Callable[..., Any], *args: Any) -> Any:
        """Run one group of scenarios; a failure is reported and recorded (the report and the
        exit status say so), and the other groups still run."""
        try:
            return step(*args)
        except BenchError as exc:
            print(f"error in ({letters}): {exc}", file=sys.stderr, flush=True)
            self.facts.setdefault("failed", {})[letters] = str(exc).splitlines()[0]
            return None

    def run_repeats(self, name: str, value: str) -> tuple[Measured, Measured]:
        """(a)-(d): one copy and its cache for ours, one for the naive side."""
        ours_dir, naive_dir = self.copy("ours"), self.copy("naive")
        print("(a) cold render", flush=True)
        cold = self.ours(ours_dir, what="cold render")
        naive_cold = self.naive(naive_dir, {}, "full render")
        self.add("(a) cold render", cold, [naive_cold])

        if "b" in self.only:
            print("(b) warm render, no change", flush=True)
            warm = self.ours(ours_dir, what="warm render")
            naive_warm = self.naive(naive_dir, {}, "full render")
            no_op = "up to date" in warm.stderr and not executed(warm.stderr)
            no_op = no_op and self.facts.get("warm_is_up_to_date_no_op", True)
            self.facts["warm_is_up_to_date_no_op"] = no_op
            note = "up to date" if no_op else "NOT an up-to-date no-op"
            self.add("(b) warm, no change", warm, [naive_warm], note=note)

        if "c" in self.only:
            print(f"(c) one parameter changed: {name}={value}", flush=True)
            changed = self.ours(ours_dir, "-p", f"{name}={value}", what=f"-p {name}={value}")
            naive_changed = self.naive(naive_dir, {name: value}, f"-p {name}={value}")
            expected = declaring_notebooks(ours_dir, name)
            self.facts["declaring_notebooks"] = expected
            note = f"declared by {len(expected)}: {', '.join(expected) or 'none'}"
            self.add(f"(c) -p {name}={value}", changed, [naive_changed], note=note)

        if "d" in self.only:
            relative = data_file(ours_dir, self.data).relative_to(ours_dir)
            edit = edit_one_value(ours_dir / relative)
            edit_one_value(naive_dir / relative)
            print(f"(d) one data value changed: {edit}", flush=True)
            self.facts["data_edit"] = edit
            force = ["--force"] if render_accepts("--force") else []  # replace an edition
            data_run = self.ours(ours_dir, *force, what="render after the data edit")
            naive_data = self.naive(naive_dir, {}, "full render with the edited data")
            self.add("(d) one data value", data_run, [naive_data], note=edit)
        return cold, naive_cold

    def run_matrix(self, name: str, values: list[str], naive_cold: Measured | None) -> None:
        print(f"(e) matrix of {len(SEED_DATES) * len(values)} editions, cold cache", flush=True)
        ours_dir, naive_dir = self.copy("matrix-ours"), self.copy("matrix-naive")
        sets = write_matrix(self.work / "matrix.yaml", name, values, SEED_DATES)
        matrix = self.ours(ours_dir, "--matrix", str(self.work / "matrix.yaml"), what="matrix")
        note = f"{len(sets)} editions: {', '.join(SEED_DATES)} x {name} {'/'.join(values)}"
        if self.quick:
            if naive_cold is None:
                naive_cold = self.naive(naive_dir, {}, "full render (for the estimate)")
            note += f"; naive = {len(sets)} x naive cold (estimate, --quick)"
            self.add(f"(e) matrix of {len(sets)}", matrix, [naive_cold], len(sets), note)
            return
        naive = []
        for params in sets:
            shown = ", ".join(f"{k}={v}" for k, v in params.items())
            naive.append(self.naive(naive_dir, params, shown))
        self.add(f"(e) matrix of {len(sets)}", matrix, naive, note=note)

    def run_quarto(self, cold: Measured | None) -> None:
        version = self.facts["quarto"]
        if version is None:
            print("(f) Quarto executes and renders: skipped: no quarto", flush=True)
            return
        print(f"(f) Quarto {version} executes and renders the notebooks", flush=True)
        if cold is None:
            cold = self.ours(self.copy("quarto-ours"), what="cold render")
        quarto = self.quarto(self.copy("quarto-baseline"), {}, "execute + render")
        note = f"quarto {version}; ours = a cold `brief render` (engine auto)"
        self.add("(f) quarto render", cold, [quarto], note=note, baseline="quarto")

    def run_engines(self) -> None:
        if self.facts["quarto"] is None:
            print("(g) --engine builtin beside --engine quarto: skipped: no quarto", flush=True)
            return
        print("(g) cold renders with each engine", flush=True)
        for engine in ("builtin", "quarto"):
            run = self.ours(self.copy(f"engine-{engine}"), "--engine", engine, what=engine)
            self.add(f"(g) --engine {engine}", run, [], note=f"cold render, engine {engine}")

    def run_floor(self) -> None:
        print("(h) the floor, measured part by part", flush=True)
        work = self.scratch("floor")
        work.mkdir()
        command = [sys.executable, __file__, FLOOR_FLAG, str(self.copy("floor-project")), str(work)]
        run = checked(measure([*command, str(self.jobs)], cwd=work), "floor probe")
        found = re.search(r"^floor: (.*)$", run.stdout, re.MULTILINE)
        if not found:
            raise BenchError(f"the floor probe printed no result:\n{run.stdout[-2000:]}")
        self.floor = json.loads(found.group(1))
        shutil.rmtree(work, ignore_errors=True)
        print(f"    floor {self.floor['floor_s']:.2f}s: {stages_text(self.floor['parts'])}")

    def run_scaling(self, name: str, values: list[str]) -> None:
        for size in self.matrix_sizes:
            dates, chosen = matrix_sets(name, values, size)
            print(f"(i) matrix of {size}: {len(dates)} dates x {name} {'/'.join(chosen)}")
            project = self.copy(f"scale-matrix-{size}")
            matrix = self.work / f"matrix-{size}.yaml"
            write_matrix(matrix, name, chosen, dates)
            run = self.ours(project, "--matrix", str(matrix), what=f"matrix of {size}")
            note = f"{', '.join(dates)} x {'/'.join(chosen)}"
            self.scale_row("matrix", f"{size} edition{'s' * (size > 1)}", size, run, note)
        for factors in [(1, 1), *self.data_scales]:
            factor = factors[0]
            project = self.copy(f"scale-data-{factor}")
            note = "the real data" if factor == 1 else scale_data(project, factors)
            print(f"(i) data x{factor}: {note}", flush=True)
            if factor != 1:
                brief_check(project)
            run = self.ours(project, what=f"cold render, data x{factor}")
            self.scale_row("data", f"data x{factor}", factor, run, note)

    def scale_row(self, table: str, case: str, size: int, run: Measured, note: str) -> None:
        row = ScaleRow(
            table, case, size, run.seconds, run.peak_mib, len(executed(run.stderr)), note,
            ours_stages(run),
        )  # fmt: skip
        self.scaling.append(row)
        print(f"    {case}: {row.seconds:.2f}s, peak {row.peak_mib:.0f} MiB", flush=True)


def _same(runs: list[list[Any]], key: Callable[[Any], str]) -> list[list[Any]]:
    """The rows of each scenario over the repetitions, in first-seen order (a scenario that
    failed in one repetition has fewer rows)."""
    groups: dict[str, list[Any]] = {}
    for rows in runs:
        for row in rows:
            groups.setdefault(key(row), []).append(row)
    return list(groups.values())


def combine(runs: list[list[Row]]) -> list[Row]:
    """Per scenario: the median times and the highest peak over the repetitions."""
    combined = []
    for same in _same(runs, lambda row: row.scenario):
        naive = [r.naive_s for r in same if r.naive_s is not None]
        combined.append(
            replace(
                same[0],
                ours_s=statistics.median(r.ours_s for r in same),
                naive_s=statistics.median(naive) if naive else None,
                peak_mib=max(r.peak_mib for r in same),
                ours_stages=median_stages([r.ours_stages for r in same]),
                naive_stages=median_stages([r.naive_stages for r in same]),
                ours_notebook_seconds=median_stages([r.ours_notebook_seconds for r in same]),
            )
        )
    return combined


def combine_scaling(runs: list[list[ScaleRow]]) -> list[ScaleRow]:
    return [
        replace(
            same[0],
            seconds=statistics.median(r.seconds for r in same),
            peak_mib=max(r.peak_mib for r in same),
            stages=median_stages([r.stages for r in same]),
        )
        for same in _same(runs, lambda row: f"{row.table} {row.size}")
    ]


def combine_floor(runs: list[dict[str, Any]]) -> dict[str, Any]:
    runs = [run for run in runs if run]
    if len(runs) <= 1:
        return runs[0] if runs else {}
    return {
        **runs[0],
        "floor_s": statistics.median(r["floor_s"] for r in runs),
        "parts": median_stages([r["parts"] for r in runs]),
        "compute_s": median_stages([r["compute_s"] for r in runs]),
        "vega_bundle_s": statistics.median(r["vega_bundle_s"] for r in runs),
    }


def median_stages(stages: list[dict[str, float]]) -> dict[str, float]:
    if not stages or not stages[0]:
        return {}
    return {key: statistics.median(s.get(key, 0.0) for s in stages) for key in stages[0]}


# --- targets, tables, JSON ---------------------------------------------------------------

Target = tuple[str, str, str]  # (target, status: met | NOT MET | why not measured, detail)


def _status(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _scale(bench: Bench, table: str, size: int) -> ScaleRow | None:
    return next((r for r in bench.scaling if r.table == table and r.size == size), None)


def unmeasured(bench: Bench, letters: str, hint: str = "") -> str:
    """Why a target has no figure: its scenario failed in this run, or was not run."""
    failed = [k for k in bench.facts.get("failed", {}) if set(k) & set(letters)]
    if failed:
        return f"FAILED ({', '.join(failed)}: see the error above)"
    return f"not measured ({', '.join(letters)}{hint})"


def targets(bench: Bench) -> list[Target]:
    """Issue 18's targets, each from rows measured in this run (or why it was not)."""
    rows = {row.scenario[:3]: row for row in bench.rows}
    cold, warm, changed = rows.get("(a)"), rows.get("(b)"), rows.get("(c)")
    one = cold.ours_s if cold else getattr(_scale(bench, "matrix", 1), "seconds", None)
    checks: list[Target] = []

    def add(target: str, missing: str | None, ok: bool = False, detail: str = "") -> None:
        checks.append((target, missing or _status(ok), "" if missing else detail))

    name = "warm no-op < 0.5 s (an up-to-date no-op)"
    if warm:
        no_op = bench.facts.get("warm_is_up_to_date_no_op", False)
        detail = f"{warm.ours_s:.2f} s" + ("" if no_op else ", NOT a no-op")
        add(name, None, warm.ours_s < 0.5 and no_op, detail)
    else:
        add(name, unmeasured(bench, "b"))
    name = "a changed parameter re-executes only the notebooks that declare it"
    if changed:
        expected = sorted(bench.facts["declaring_notebooks"])
        detail = f"re-executed {changed.executed_notebooks or 'none'}; declaring {expected}"
        add(name, None, changed.executed_notebooks == expected, detail)
    else:
        add(name, unmeasured(bench, "c"))
    name = "cold render >= 3x faster than the naive papermill render"
    if cold and cold.ratio is not None:
        add(name, None, cold.ratio >= 3, f"{cold.ratio:.2f}x")
    else:
        add(name, unmeasured(bench, "a"))
    name = "cold render >= 3x faster than Quarto executing and rendering"
    quarto = rows.get("(f)")
    if quarto and quarto.ratio is not None:
        add(name, None, quarto.ratio >= 3, f"{quarto.ratio:.2f}x")
    elif "f" in bench.only and bench.facts.get("quarto") is None:
        add(name, "skipped: no quarto")
    else:
        add(name, unmeasured(bench, "f"))
    name = "cold render within 1.5x of the floor"
    if cold and bench.floor:
        ratio = cold.ours_s / bench.floor["floor_s"]
        add(name, None, ratio <= 1.5, f"{ratio:.2f}x the floor of {bench.floor['floor_s']:.2f} s")
    else:
        add(name, unmeasured(bench, "ah"))
    matrix6 = rows.get("(e)")
    for size, limit in ((6, 2.0), (12, 3.5)):
        name = f"matrix of {size} <= {limit:g}x one cold render"
        row = _scale(bench, "matrix", size)
        seconds = row.seconds if row else (matrix6.ours_s if matrix6 and size == 6 else None)
        if seconds is not None and one:
            add(name, None, seconds <= limit * one, f"{seconds / one:.2f}x ({seconds:.1f} s)")
        else:
            add(name, unmeasured(bench, "aei"))
    base = _scale(bench, "data", 1)
    for factor, limit, peak, case in ((100, 1.3, 1024, "100"), (2000, None, 2048, "2000/2000")):
        row = _scale(bench, "data", factor)
        if limit is not None:
            name = f"data x{factor}: <= {limit:g}x the real data's time, peak < {peak // 1024} GiB"
        else:
            name = f"data x{factor}: render <= 60 s, peak < {peak // 1024} GiB"
        if row is None or base is None:
            add(name, unmeasured(bench, "i", f"; --data-scales ...,{case}"))
            continue
        ratio = row.seconds / base.seconds
        fast = ratio <= limit if limit is not None else row.seconds <= 60
        detail = f"{ratio:.2f}x ({row.seconds:.1f} s), peak {row.peak_mib:.0f} MiB"
        add(name, None, fast and row.peak_mib < peak, detail)
    normal = [r.peak_mib for r in bench.rows if r.scenario[:3] in {"(a)", "(c)", "(d)", "(g)"}]
    name = "peak memory of a normal render < 1 GiB"
    if normal:
        add(name, None, max(normal) < 1024, f"max {max(normal):.0f} MiB")
    else:
        add(name, unmeasured(bench, "a"))
    return checks


def stages_text(stages: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items()) or "unknown"


def columns(head: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return [line(head), "  ".join("-" * w for w in widths), *map(line, body)]


def times_floor(seconds: float, floor: dict[str, Any]) -> str:
    return f"{seconds / floor['floor_s']:.1f}x" if floor else "-"


def table(rows: list[Row], floor: dict[str, Any]) -> str:
    head = ["scenario", "ours (s)", "baseline (s)", "baseline/ours", "x floor", "executed"]
    head.append("peak MiB")
    body = [
        [
            row.scenario,
            f"{row.ours_s:.2f}",
            "-"
            if row.naive_s is None
            else f"{row.naive_s:.2f}" + ("*" if row.naive_estimated else ""),
            "-" if row.ratio is None else f"{row.ratio:.1f}x",
            times_floor(row.ours_s, floor),
            str(row.ours_executed),
            f"{row.peak_mib:.0f}",
        ]
        for row in rows
    ]
    lines = columns(head, body)
    lines.append(
        "  baseline: the naive papermill-CLI render; in (f), Quarto executing and rendering"
    )
    if any(row.naive_estimated for row in rows):
        lines.append("  * estimated, not measured (--quick)")
    lines += [f"  {row.scenario}: {row.note}" for row in rows if row.note]
    lines.append("where the time went (s):")
    for row in rows:
        lines.append(f"  {row.scenario}: ours {stages_text(row.ours_stages)}")
        if row.naive_stages:
            pad = " " * len(row.scenario)
            lines.append(f"  {pad}  {row.baseline} {stages_text(row.naive_stages)}")
    return "\n".join(lines)


def floor_text(floor: dict[str, Any], jobs: int, rows: list[Row]) -> str:
    if not floor:
        return ""
    compute = floor["compute_s"]
    cold = next((row for row in rows if row.scenario.startswith("(a)")), None)
    lines = [
        f"floor (h): {floor['floor_s']:.2f} s = {stages_text(floor['parts'])}",
        f"  the notebooks' own compute in one warm kernel, {sum(compute.values()):.2f} s in all "
        f"(divided by {jobs} workers above): "
        + ", ".join(f"{name.split('_')[0]} {s:.2f}" for name, s in compute.items()),
        f"  not in the floor: the Vega bundle, {floor['vega_bundle_s']:.2f} s (read from the"
        " copy shipped with brief, or built by vl-convert while the notebooks run)",
    ]
    if cold and cold.ours_notebook_seconds:
        pairs = [
            f"{name.split('_')[0]} {cold.ours_notebook_seconds.get(name, 0):.2f}/{s:.2f}"
            for name, s in compute.items()
        ]
        lines.append("  (a) per notebook, ours' execution / its own compute: " + ", ".join(pairs))
    return "\n".join(lines)


def scaling_text(rows: list[ScaleRow], floor: dict[str, Any]) -> str:
    if not rows:
        return ""
    out = []
    for table_name, first in (("matrix", "matrix"), ("data", "data")):
        group = [r for r in rows if r.table == table_name]
        if not group:
            continue
        base = next((r for r in group if r.size == 1), group[0])
        head = [first, "time (s)", f"x {base.case}", "x floor", "executed", "peak MiB"]
        body = [
            [
                r.case,
                f"{r.seconds:.2f}",
                f"{r.seconds / base.seconds:.2f}x",
                times_floor(r.seconds, floor),
                str(r.executed),
                f"{r.peak_mib:.0f}",
            ]
            for r in group
        ]
        out += columns(head, body)
        out += [f"  {r.case}: {r.note}; {stages_text(r.stages)}" for r in group]
        out.append("")
    return "scaling (i), cold renders, peak of the whole process tree:\n" + "\n".join(out)


def report(bench: Bench, info: dict[str, Any], code: dict[str, Any], write: bool) -> str:
    checks = targets(bench)
    count = len(bench.repetitions)
    runs = f"{count} runs, medians" if count > 1 else "1 run"
    quarto = bench.facts.get("quarto") or info.get("quarto") or "no quarto on PATH"
    lines = [
        machine_line(info),
        f"project: {bench.project} at {str(code['commit'])[:12]}"
        f"{' (dirty)' if code['dirty'] else ''}   jobs: {bench.jobs}   quick: {bench.quick}   "
        f"{runs}   "
        f"scenarios: {','.join(bench.only)}   quarto: {quarto}   "
        f"load average at the end: {info['load_after']}",
        "",
    ]
    if bench.rows:
        lines += [table(bench.rows, bench.floor), ""]
    if bench.floor:
        lines += [floor_text(bench.floor, bench.jobs, bench.rows), ""]
    if bench.scaling:
        lines += [scaling_text(bench.scaling, bench.floor)]
    if set(bench.only) & set("fg") and not bench.facts.get("quarto"):
        lines += ["(f) Quarto executing and rendering, (g) --engine quarto: skipped: no quarto", ""]
    lines += ["targets (issue 18):"]
    lines += [f"  [{status}] {text}" + (f": {d}" if d else "") for text, status, d in checks]
    results = {
        "machine": info,
        "project": str(bench.project),
        "code": code,
        "jobs": bench.jobs,
        "quick": bench.quick,
        "scenarios": bench.only,
        "facts": bench.facts,
        "repeat": count,
        "rows": [{**asdict(row), "ratio": row.ratio} for row in bench.rows],
        "floor": bench.floor,
        "scaling": [asdict(row) for row in bench.scaling],
        "repetitions": [
            {
                "rows": [asdict(r) for r in rows],
                "scaling": [asdict(s) for s in scaling],
                "floor": floor,
            }
            for rows, scaling, floor in bench.repetitions
        ],
        "targets": [{"target": t, "status": s, "detail": d} for t, s, d in checks],
    }
    if write:
        text = json.dumps(results, indent=1, ensure_ascii=False) + "\n"
        RESULTS.write_text(text, encoding="utf-8")
    else:
        lines.append(
            f"(not written to {RESULTS.name}: a partial run (--only) or a failed scenario)"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO, help="project folder (the repo)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="(default: cores)")
    parser.add_argument("--quick", action="store_true", help="estimate the naive matrix")
    parser.add_argument("--repeat", type=int, default=1, help="run N times, report medians")
    only = "scenarios to run, e.g. 'ah' (b, c and d run (a) first: they use its cache)"
    parser.add_argument("--only", default=SCENARIOS, metavar="LETTERS", help=only)
    parser.add_argument("--matrix-sizes", default="1,3,6,12", metavar="N,N", help="(i)")
    scales = "(i): data multiples: N (events x N, provocations x N/10) or N/M, e.g. 2000/2000"
    parser.add_argument("--data-scales", default="10,100", metavar="N,N", help=scales)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument("--change", default="trade_series=KOTRA", metavar="NAME=VALUE")
    parser.add_argument("--vary", default="trade_series=GACC,KOTRA", metavar="NAME=V1,V2")
    parser.add_argument("--data", default="data/trade.csv", help="data file to edit in (d)")
    args = parser.parse_args(argv)
    only = "".join(sorted(set(args.only.replace(",", "").lower())))
    unknown = set(only) - set(SCENARIOS)
    if unknown or not only:
        parser.error(f"--only takes letters of {SCENARIOS}, not {args.only!r}")
    if set(only) & set("bcd"):
        only = "".join(sorted(set(only) | {"a"}))  # they run on (a)'s cache
    args.only = only
    try:
        args.matrix_sizes = [int(n) for n in args.matrix_sizes.split(",") if n]
        args.data_scales = [parse_scale(n) for n in args.data_scales.split(",") if n]
    except ValueError:
        parser.error("--matrix-sizes takes whole numbers (1,3,6,12); --data-scales N or N/M")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    internal = {NAIVE_FLAG: naive_main, FLOOR_FLAG: floor_main}
    if argv[:1] and argv[0] in internal:
        return internal[argv[0]](argv[1:])
    if argv[:1] and argv[0] in (QUARTO_PREPARE_FLAG, QUARTO_FLAG):
        return quarto_main(argv[0], argv[1:])
    args = parse_args(argv)
    from brief.editions.publishing import git_state

    info = machine()
    code = git_state(args.project.resolve())  # the code measured, as an edition records it
    print(f"{machine_line(info)}; code: {code['commit']}{' (dirty)' if code['dirty'] else ''}")
    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    bench = Bench(args.project.resolve(), work, args.jobs, args.quick, args.change, args.vary,
                  args.data, args.only, args.matrix_sizes, args.data_scales)  # fmt: skip
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
    failed = bench.facts.get("failed")
    print(report(bench, info, code, write=args.only == SCENARIOS and not failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
