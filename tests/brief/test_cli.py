"""The `brief` command as users type it, on the tiny second subject: drafts and publishing,
revisions, the catalogue's Latest and previous edition, parameter forms, project
discovery, preview and serve over real HTTP, kills at every step of a swap, and messages.

One module-scoped render warms the cache; each test works in its own copy of that project
(cache included), so its renders only assemble (a second or two each).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from brief.hashing import value_sha256
from tests.support.cli import (
    REPO,
    brief,
    draft_dir,
    executed_notebooks,
    last_line,
    published_dir,
    tiny_project,
)

pytestmark = pytest.mark.slow
NAME = "2025-03-01"  # the tiny subject's default edition (its latest data date)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tiny_project(tmp_path_factory.mktemp("warm"))
    done = brief(project, "render")
    assert done.returncode == 0, done.stderr
    shutil.rmtree(project / "output")
    return project


@pytest.fixture
def tiny(warm: Path, tmp_path: Path) -> Path:
    project = tmp_path / "tiny"
    shutil.copytree(warm, project)
    return project


def ok(done: subprocess.CompletedProcess[str]) -> Path:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return Path(last_line(done.stdout))


def refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "error: " in done.stderr and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in done.stderr, f"{word!r} not in {done.stderr!r}"
    return done.stderr


def official(project: Path) -> list[str]:
    return (project / "output" / "OFFICIAL").read_text().split()


# --------------------------------------------------------------------------- drafts, publish


def test_render_makes_a_draft_and_publish_an_official_read_only_edition(tiny):
    draft = ok(brief(tiny, "render"))
    assert draft == draft_dir(tiny, NAME)
    assert "Draft of edition" in (draft / "brief.html").read_text()
    assert not (tiny / "output" / "OFFICIAL").exists()
    assert not (tiny / "output" / "index.html").exists()

    edition = ok(brief(tiny, "publish"))
    assert edition == published_dir(tiny, NAME)
    assert official(tiny) == [NAME]
    assert (tiny / "output" / "latest" / "EDITION").read_text().strip() == NAME
    html = (edition / "brief.html").read_text()
    assert "Draft" not in html and f"Edition {NAME}" in html
    manifest = json.loads((edition / "manifest.json").read_text())
    assert manifest["publication"]["status"] == "official"
    assert manifest["publication"]["published"]  # the real moment of publication
    for path in [edition, *edition.rglob("*")]:
        assert not stat.S_IMODE(path.stat().st_mode) & 0o222, path  # read-only on disk
    again = brief(tiny, "publish")
    assert ok(again) == edition and "up to date" in again.stderr
    assert ok(brief(tiny, "verify")) and "ok" in brief(tiny, "verify").stdout


def test_a_correction_is_a_new_revision_with_its_erratum_and_the_original_stays(tiny):
    original = ok(brief(tiny, "publish"))
    before = tree_bytes(original)
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("2.5", "3.5"))
    refused(brief(tiny, "publish"), 2, "never replaced", "--erratum", f"{NAME}.r2")
    assert tree_bytes(original) == before

    revision = ok(brief(tiny, "publish", "--erratum", "The June value was 3.5, not 2.5."))
    assert revision.name == f"{NAME}.r2"
    assert tree_bytes(original) == before
    assert official(tiny) == [NAME, f"{NAME}.r2"]
    assert "The June value was 3.5, not 2.5." in (revision / "brief.html").read_text()
    index = (tiny / "output" / "index.html").read_text()
    assert index.index(f'data-edition="{NAME}.r2"') < index.index(f'data-edition="{NAME}"')
    assert "Superseded by" in index and "The June value was 3.5" in index
    assert (tiny / "output" / "latest" / "EDITION").read_text().strip() == f"{NAME}.r2"
    refused(
        brief(tiny, "publish", "--erratum", "again"), 2, "already published from these same inputs"
    )
    refused(brief(tiny, "render", "--edition", "x.r3"), 2, "names a revision")


def test_editing_anything_re_renders_the_draft_and_official_editions_stay_byte_identical(tiny):
    edition = ok(brief(tiny, "publish"))
    before = tree_bytes(tiny / "output")
    nb = tiny / "notebooks" / "02_colour.ipynb"
    nb.write_text(nb.read_text().replace("The colour is", "Colour:"))
    draft = ok(brief(tiny, "render"))
    assert "Colour:" in (draft / "brief.html").read_text()
    (tiny / "brief.qmd").write_text((tiny / "brief.qmd").read_text() + "\nA new closing line.\n")
    draft = ok(brief(tiny, "render"))
    assert "A new closing line." in (draft / "brief.html").read_text()
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text() + "2025-02-01,1\n")
    draft = ok(brief(tiny, "render"))
    assert "summing to 9" in (draft / "brief.html").read_text()
    after = tree_bytes(tiny / "output")
    assert {k: v for k, v in after.items() if not k.startswith("drafts/")} == before
    assert "Colour:" not in (edition / "brief.html").read_text()


def test_two_checkouts_with_different_drafts_publish_byte_identical_editions(tiny, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(tiny, other)
    ok(brief(tiny, "render", "-p", "as_of=2024-07-01", "--edition", "scratch"))
    ok(brief(tiny, "render", "-p", "colour=blue"))
    a, b = ok(brief(tiny, "publish")), ok(brief(other, "publish"))
    for name in ("brief.html", "brief.pdf", "facts.json", "notebooks/02_colour.ipynb"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    inputs = [json.loads((e / "manifest.json").read_text())["inputs_sha256"] for e in (a, b)]
    assert inputs[0] == inputs[1]


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=True
    ).stdout


def _commit_all(project: Path, message: str) -> None:
    if not (project / ".git").exists():
        _git(project, "init", "-q")
        shutil.copyfile(REPO / ".gitignore", project / ".gitignore")  # the project's own rules
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message)


def test_a_scratch_render_never_becomes_latest_nor_changes_a_tracked_file(tiny):
    _commit_all(tiny, "tiny")
    published = ok(brief(tiny, "publish", "-p", "as_of=2024-07-01"))
    _commit_all(tiny, "publish")
    assert _git(tiny, "status", "--porcelain") == ""
    ok(brief(tiny, "render", "--edition", "draft"))  # newer data than the official edition
    ok(brief(tiny, "render", "-p", "colour=blue"))
    assert _git(tiny, "status", "--porcelain") == ""  # drafts are git-ignored, nothing else moved
    assert (tiny / "output" / "latest" / "EDITION").read_text().strip() == published.name
    listing = json.loads(brief(tiny, "list", "--json").stdout)
    latest = [e["name"] for e in listing if e["latest"]]
    assert latest == [published.name]
    assert {e["name"] for e in listing if e["status"] == "draft"} == {
        "draft",
        f"{NAME}_colour-blue",
    }


def test_dirty_trees_do_not_publish_without_saying_so(tiny):
    _commit_all(tiny, "tiny")
    (tiny / "brief.qmd").write_text((tiny / "brief.qmd").read_text() + "\nuncommitted\n")
    refused(brief(tiny, "publish"), 2, "uncommitted changes", "--allow-dirty")
    edition = ok(brief(tiny, "publish", "--allow-dirty"))
    assert json.loads((edition / "manifest.json").read_text())["code"]["dirty"] is True


def test_the_previous_edition_is_the_latest_earlier_official_one_and_in_the_identity(tiny):
    first = ok(brief(tiny, "publish", "-p", "as_of=2024-07-01"))
    ok(brief(tiny, "render", "-p", "as_of=2024-08-01", "--edition", "scratch-aug"))
    draft = ok(brief(tiny, "render"))
    manifest = json.loads((draft / "manifest.json").read_text())
    assert manifest["previous"]["edition"] == first.name  # never the scratch render
    assert manifest["inputs"]["previous"]["edition"] == first.name
    text = (draft / "brief.html").read_text()
    assert first.name in text  # "What changed since the previous edition" names it
    # Publishing an edition between them changes the draft's inputs: rendered again.
    ok(brief(tiny, "publish", "-p", "as_of=2024-09-01"))
    again = brief(tiny, "render")
    assert ok(again) == draft and "up to date" not in again.stderr
    assert json.loads((draft / "manifest.json").read_text())["previous"]["edition"] == "2024-09-01"


def test_a_previous_edition_with_a_broken_facts_file_does_not_break_later_renders(tiny):
    first = ok(brief(tiny, "publish", "-p", "as_of=2024-07-01"))
    facts = first / "facts.json"
    facts.chmod(0o644)
    facts.write_text("{broken")
    draft = ok(brief(tiny, "render"))
    assert "facts count as empty" in (draft / "brief.html").read_text()
    done = brief(tiny, "verify", first.name)
    assert done.returncode == 1 and "facts.json differs" in done.stdout
    listing = brief(tiny, "list")
    assert "FAILS VERIFICATION" in listing.stdout


# --------------------------------------------------------------------------- CLI habits


def test_brief_finds_the_project_upward_and_prints_its_version(tiny):
    done = subprocess.run(
        [sys.executable, "-m", "brief.cli", "render"],
        capture_output=True,
        text=True,
        cwd=tiny / "notebooks",
    )
    assert ok(done) == draft_dir(tiny, NAME)
    version = subprocess.run(
        [sys.executable, "-m", "brief.cli", "--version"], capture_output=True, text=True
    )
    from importlib.metadata import version as installed

    assert version.returncode == 0 and installed("cnk-brief") in version.stdout
    elsewhere = subprocess.run(
        [sys.executable, "-m", "brief.cli", "list"], capture_output=True, text=True, cwd="/"
    )
    assert elsewhere.returncode == 2 and "not inside a brief project" in elsewhere.stderr


def test_shell_completion_completes_commands_and_edition_names(tiny):
    ok(brief(tiny, "publish"))

    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_BRIEF_COMPLETE": "bash_complete"}
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(index)}
        done = subprocess.run(
            [sys.executable, "-m", "brief.cli"], capture_output=True, text=True, env=env, cwd=tiny
        )
        return [line.split(",", 1)[1] for line in done.stdout.splitlines()]

    assert complete("brief pub", 1) == ["publish"]
    assert complete("brief diff 2025", 2) == [NAME]


def test_render_help_lists_every_parameter_with_type_default_and_meaning(tiny):
    done = subprocess.run(
        [sys.executable, "-m", "brief.cli", "render", "--help"],
        capture_output=True,
        text=True,
        cwd=tiny,
    )
    assert done.returncode == 0
    assert "as_of (date)" in done.stdout and "colour (red|blue)" in done.stdout
    assert "[default: red]" in done.stdout
    for option in ("--quiet", "--verbose", "-P", "--execute-params", "--dry-run"):
        assert option in done.stdout


@pytest.mark.parametrize(
    "form",
    [
        ["-P", "as_of:2024-07-01"],
        ["-p", "as_of", "2024-07-01"],
        ["--execute-params", "params.yaml"],
        ["--params", "params.yaml"],
    ],
    ids=["quarto", "papermill", "execute-params", "params"],
)
def test_every_parameter_form_gives_the_same_edition(tiny, form):
    (tiny / "params.yaml").write_text("as_of: 2024-07-01\n")
    first = ok(brief(tiny, "render", "-p", "as_of=2024-07-01"))
    done = brief(tiny, "render", *form)
    assert ok(done) == first and "up to date" in done.stderr


def test_quiet_and_verbose_exist_on_every_command(tiny):
    for command in ("render", "publish", "check", "list", "verify", "archive", "clean"):
        done = brief(tiny, command, "--help")
        assert done.returncode == 0 and "--quiet" in done.stdout and "--verbose" in done.stdout
    render = brief(tiny, "render", "-q")
    assert ok(render) and render.stderr == ""


def test_explain_dry_run_executes_nothing_and_says_why(tiny):
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("2.5", "3.5"))
    done = brief(tiny, "render", "--explain", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "would execute" in done.stderr and "data/values.csv" in done.stderr
    assert "executing" not in done.stderr and done.stdout == ""
    assert not draft_dir(tiny, NAME).exists()


def state_bytes(project: Path) -> dict[str, bytes]:
    """What a render keeps between runs (cache, markers, logs, records), not its scratch."""
    state = project / ".brief"
    return {k: v for k, v in tree_bytes(state).items() if not k.startswith("build/")}


def line_of(stderr: str, text: str) -> str:
    found = [line for line in stderr.splitlines() if text in line]
    assert len(found) == 1, (text, stderr)
    return found[0]


def cache_records(project: Path) -> dict[str, dict]:
    """Each cache entry's recorded inputs, by key."""
    folder = project / ".brief" / "cache" / "notebooks"
    return {
        p.name: json.loads((p / "entry.json").read_text())["inputs"]
        for p in sorted(folder.iterdir())
        if not p.name.startswith(".")
    }


def key_of(project: Path, notebook: str, **params: str) -> str:
    found = [
        key
        for key, inputs in cache_records(project).items()
        if inputs["notebook"] == notebook and inputs["params"] == params
    ]
    assert len(found) == 1, (notebook, params, found)
    return found[0]


def test_explain_compares_with_the_closest_cache_entry_not_the_last_render(tiny):
    # The last render of 01_count had another as_of; then a data row is edited. The miss
    # is the data file's doing: the entry at the default as_of differs only in it.
    ok(brief(tiny, "render", "-p", "as_of=2024-07-01"))
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("2.5", "3.5"))
    closest = key_of(tiny, "01_count.ipynb", as_of=NAME)
    before = state_bytes(tiny)
    dry = brief(tiny, "render", "--explain", "--dry-run")
    assert dry.returncode == 0 and "Traceback" not in dry.stderr, dry.stderr
    count = line_of(dry.stderr, "01_count.ipynb: would execute: ")
    assert "data file data/values.csv changed" in count, count
    assert "parameter" not in count and "as_of" not in count, count
    assert f"the closest of its 2 cache entries ({closest[:12]})" in count, count
    colour = line_of(dry.stderr, "02_colour.ipynb: would execute: ")
    assert "data file data/values.csv changed, compared with its only cache entry" in colour
    assert "dry run: 2 notebook(s) would execute, 0 reused" in dry.stderr
    # Nothing ran and nothing changed: no kernel, no cache entry, marker, log or draft.
    assert "executing" not in dry.stderr and "kernel" not in dry.stderr
    assert dry.stdout == ""
    assert state_bytes(tiny) == before
    assert list((tiny / ".brief" / "build").iterdir()) == []
    assert not draft_dir(tiny, NAME).exists()
    # The render says the same and runs what the dry run said it would.
    done = brief(tiny, "render", "--explain")
    ok(done)
    count = line_of(done.stderr, "01_count.ipynb: execute: ")
    assert "data file data/values.csv changed" in count and "parameter" not in count, count
    assert executed_notebooks(done.stderr) == ["01_count.ipynb", "02_colour.ipynb"]
    # A parameter set differing in as_of only says so, with both values.
    other = brief(tiny, "render", "--explain", "--dry-run", "-p", "as_of=2024-08-01")
    count = line_of(other.stderr, "01_count.ipynb: would execute: ")
    assert count.split("would execute: ")[1].startswith(f"parameter as_of: {NAME} → 2024-08-01,")
    assert "data file" not in count, count


def test_explain_ignores_unreadable_or_forged_cache_records_and_never_reuses_them(tiny):
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("2.5", "3.5"))
    entries = tiny / ".brief" / "cache" / "notebooks"
    count_key = key_of(tiny, "01_count.ipynb", as_of=NAME)
    colour_key = key_of(tiny, "02_colour.ipynb", colour="red")
    records = cache_records(tiny)
    count_inputs = records[count_key]
    (entries / count_key / "entry.json").write_text("{ not json")  # 01's only entry, unreadable
    # A forged record claiming exactly this render's inputs, under a key they do not hash to.
    now = json.loads(json.dumps(count_inputs))
    now["data"]["data/values.csv"] = hashlib.sha256(values.read_bytes()).hexdigest()
    forged = entries / ("0" * 64)
    shutil.copytree(entries / colour_key, forged)
    (forged / "entry.json").write_text(json.dumps({"inputs": now, "files": {}}))
    # An entry under this render's own key for 02_colour whose notebook fails its digest.
    colour_now = json.loads(json.dumps(records[colour_key]))
    colour_now["data"] = now["data"]
    damaged = entries / value_sha256(colour_now)
    shutil.copytree(entries / colour_key, damaged)
    record = json.loads((damaged / "entry.json").read_text())
    (damaged / "entry.json").write_text(json.dumps({**record, "inputs": colour_now}))
    executed = damaged / "executed.ipynb"
    executed.write_text(executed.read_text().replace("red", "green"))
    (entries / ".tmp-1-junk").mkdir()
    (entries / "stray-file").write_text("not an entry")
    before = state_bytes(tiny)
    dry = brief(tiny, "render", "--explain", "--dry-run")
    assert dry.returncode == 0 and "Traceback" not in dry.stderr, dry.stderr
    count = line_of(dry.stderr, "01_count.ipynb: would execute: ")
    assert count.endswith("would execute: no cache entry for this notebook"), count
    colour = line_of(dry.stderr, "02_colour.ipynb: would execute: ")
    assert f"its cache entry {damaged.name[:12]} is damaged" in colour, colour
    assert state_bytes(tiny) == before  # a dry run discards nothing either
    done = brief(tiny, "render", "--explain")
    draft = ok(done)
    assert executed_notebooks(done.stderr) == ["01_count.ipynb", "02_colour.ipynb"]
    assert "does not match its recorded sha256; discarded" in done.stderr
    colour = line_of(done.stderr, "02_colour.ipynb: execute: ")
    assert f"its only cache entry ({colour_key[:12]})" in colour, colour
    assert "summing to 9" in (draft / "brief.html").read_text()


def test_progress_names_the_editions_of_each_notebook_and_the_kernel_start(tiny, tmp_path):
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("- {as_of: 2024-07-01, colour: blue}\n- {as_of: 2024-08-01, colour: blue}\n")
    done = brief(
        tiny, "render", "--matrix", str(matrix), "--jobs", "1", env={"BRIEF_HEARTBEAT": "0.2"}
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    first, second = "2024-07-01_colour-blue", "2024-08-01_colour-blue"
    results = [
        line.split("] ", 2)[2].rsplit(" executed in", 1)[0]
        for line in lines
        if re.search(r"\[\d/3\] .* executed in", line)
    ]
    assert sorted(results) == sorted(
        [
            f"{first}, {second}: 02_colour.ipynb",
            f"{first}: 01_count.ipynb",
            f"{second}: 01_count.ipynb",
        ]
    )
    starting = next(i for i, line in enumerate(lines) if "starting 1 kernel(s)" in line)
    assert starting < next(i for i, line in enumerate(lines) if re.search(r"\[1/3\] ", line))
    waiting = [
        line.split("still executing after ", 1)[1] for line in lines if "still executing" in line
    ]
    assert waiting, done.stderr  # the kernel takes longer than a 0.2 s heartbeat to start
    for line in waiting:
        for item in line.split(": ", 1)[1].split("; "):
            assert item.rsplit(": ", 1)[0] in (first, second, f"{first}, {second}"), line


# --------------------------------------------------------------------------- messages


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("as_of: 2024-07-01\nas_of: 2024-08-01\n", ["p.yaml:2", "given twice", "line 1"]),
        ("colour: red\ncolor: blue\n", ["p.yaml:2", "unknown parameter 'color'"]),
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
                for i in range(20)
            ),
            ["p.yaml", "aliases"],
        ),
        ("as_of: [2024\n", ["p.yaml:2", "not valid YAML"]),
        ("as_of: '20240701'\n", ["p.yaml:1", "YYYY-MM-DD"]),
        ("as_of: 2024-W27-1\n", ["p.yaml:1", "YYYY-MM-DD"]),
    ],
    ids=["duplicate-key", "typo", "alias-bomb", "bad-yaml", "basic-iso", "week-date"],
)
def test_params_file_errors_name_the_file_and_line(tiny, text, words):
    (tiny / "p.yaml").write_text(text)
    started = time.monotonic()
    refused(brief(tiny, "render", "--params", "p.yaml"), 2, *words)
    assert time.monotonic() - started < 30  # an alias bomb is refused, not expanded


def test_matrix_file_errors_name_the_file_and_line(tiny):
    (tiny / "m.yaml").write_text("- {colour: red}\n- 3\n")
    refused(brief(tiny, "render", "--matrix", "m.yaml"), 2, "m.yaml:2", "not a mapping")
    (tiny / "m.yaml").write_text("- {colour: red}\n-\n  colour: red\n  colour: blue\n")
    refused(brief(tiny, "render", "--matrix", "m.yaml"), 2, "m.yaml:4", "given twice")
    (tiny / "m.yaml").write_text("- {colour: red}\n- {colour: red}\n")
    refused(brief(tiny, "render", "--matrix", "m.yaml"), 2, "two parameter sets")


@pytest.mark.parametrize(
    "name", ["trail\n", "con", "NUL", "LATEST", "Drafts", "com1.txt", "a/b", "..", "x.r2"]
)
def test_edition_names_that_collide_or_escape_are_refused(tiny, name):
    refused(brief(tiny, "render", "--edition", name), 2, "is not allowed")
    assert not (tiny / "output" / "drafts").exists()


def test_an_edition_name_differing_only_in_case_from_another_is_refused(tiny):
    ok(brief(tiny, "render", "--edition", "special"))
    refused(brief(tiny, "render", "--edition", "Special"), 2, "only in case")


def test_bad_values_and_environments_are_messages_not_tracebacks(tiny):
    long = "x" * 100_000  # about the most one argument may carry
    done = brief(tiny, "render", "-p", f"colour={long}")
    refused(done, 2, "parameter 'colour'", "characters")
    assert len(done.stderr) < 2000  # the value is cut, not echoed whole
    (tiny / "huge.yaml").write_text("colour: " + "x" * 10_000_000 + "\n")
    done = brief(tiny, "render", "--params", "huge.yaml")
    refused(done, 2, "huge.yaml", "at most 1 MB")
    assert len(done.stderr) < 2000
    refused(brief(tiny, "render", "-p", "as_of=20240701"), 2, "YYYY-MM-DD")
    epoch = brief(tiny, "render", "--edition", "epoch", env={"SOURCE_DATE_EPOCH": "tomorrow"})
    refused(epoch, 2, "SOURCE_DATE_EPOCH", "tomorrow")
    refused(brief(tiny, "render", "--output-dir", "data/pub"), 2, "inside the data folder")
    assert not (tiny / "data" / "pub").exists()
    refused(brief(tiny, "render", "-p", "colour"), 2, "-p name=value")
    refused(brief(tiny, "render", "--force"), 2, "--force is gone", "--erratum")
    lock = tiny / "output" / ".publish.lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to("/etc/passwd")
    refused(brief(tiny, "render"), 1, ".publish.lock is a symbolic link")


# --------------------------------------------------------------------------- preview, serve


def _start(project: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", *args, "--project", str(project), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
    )
    url = process.stdout.readline().strip()  # the address is the first line printed
    assert url.startswith("http://127.0.0.1:"), process.stderr.read()
    return process, url


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 0


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_preview_serves_the_draft_and_rebuilds_it_when_a_source_changes(tiny):
    process, url = _start(tiny, "preview")
    try:
        status, page = _get(url)
        assert status == 200 and "The colour is" in page
        root_status, _ = _get(url.split("/2025")[0] + "/")
        assert root_status == 200  # / redirects to the draft
        nb = tiny / "notebooks" / "02_colour.ipynb"
        nb.write_text(nb.read_text().replace("The colour is", "Now the colour is"))
        deadline = time.monotonic() + 120
        while "Now the colour is" not in _get(url)[1]:
            assert time.monotonic() < deadline, "the preview never rebuilt"
            time.sleep(0.5)
    finally:
        _stop(process)
    assert not list((tiny / "output").glob(f"{NAME}*"))  # preview never publishes


def test_serve_answers_with_the_archive_read_only_and_stops_cleanly(tiny):
    edition = ok(brief(tiny, "publish"))
    ok(brief(tiny, "render", "--edition", "secret-draft"))
    before = tree_bytes(tiny / "output")
    process, url = _start(tiny, "serve")
    try:
        status, index = _get(url)
        assert status == 200 and f'data-edition="{NAME}"' in index
        base = url.rsplit("/", 1)[0]
        status, page = _get(f"{base}/{edition.name}/brief.html")
        assert status == 200 and "The colour is" in page
        assert _get(f"{base}/drafts/secret-draft/brief.html")[0] == 404
        assert _get(f"{base}/.publish.lock")[0] == 404
        put = urllib.request.Request(f"{base}/{edition.name}/brief.html", data=b"x", method="PUT")
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(put, timeout=30)
        assert caught.value.code in (405, 501)
    finally:
        _stop(process)
    assert tree_bytes(tiny / "output") == before


# --------------------------------------------------------------------------- faults


def _killed_at(project: Path, step: str, *args: str) -> None:
    """Run `brief <args>` until it reaches `step` of a swap, then kill -9 it there."""
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", *args, "--project", str(project)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "BRIEF_TEST_PAUSE_AT": step},
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not list((project / "output").rglob(f".paused-{step}")):
        assert process.poll() is None, f"the run ended before {step}"
        assert time.monotonic() < deadline, f"the run never reached {step}"
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for marker in (project / "output").rglob(".paused-*"):
        marker.unlink()


@pytest.mark.parametrize("step", ["journal-written", "old-parked", "new-in-place"])
def test_kill_9_at_any_step_of_a_draft_swap_loses_nothing(tiny, step):
    draft = ok(brief(tiny, "render"))
    old_html = (draft / "brief.html").read_bytes()
    values = tiny / "data" / "values.csv"
    values.write_text(values.read_text().replace("2.5", "3.5"))
    _killed_at(tiny, step, "render")
    # At every instant one whole copy exists, old or new, once the next run has recovered.
    done = brief(tiny, "list", "--json")
    assert done.returncode == 0
    again = ok(brief(tiny, "render"))
    assert again == draft and "summing to 9" in (draft / "brief.html").read_text()
    assert (draft / "brief.html").read_bytes() != old_html
    leftovers = [p.name for p in (tiny / "output" / "drafts").iterdir() if p.name.startswith(".")]
    assert leftovers == [] or leftovers == [".publish.lock"], leftovers


@pytest.mark.parametrize(
    "step", ["publish-journal-written", "published-unlisted", "listed-before-archive"]
)
def test_kill_9_while_publishing_is_finished_by_the_next_run_and_the_archive_repaired(tiny, step):
    _killed_at(tiny, step, "publish")
    (tiny / "output" / ".index.html.stray.tmp").write_text("half")
    ok(brief(tiny, "render", "--edition", "later"))  # any later run repairs
    assert official(tiny) == [NAME]
    assert (tiny / "output" / "latest" / "EDITION").read_text().strip() == NAME
    assert f'data-edition="{NAME}"' in (tiny / "output" / "index.html").read_text()
    assert not (tiny / "output" / ".index.html.stray.tmp").exists()
    assert not [p for p in (tiny / "output").glob(".journal-*")]
    assert ok(brief(tiny, "verify", NAME))
    assert ok(brief(tiny, "publish")) == published_dir(tiny, NAME)  # up to date


def test_clean_refuses_while_a_render_runs_and_the_render_finishes(tiny):
    nb = tiny / "notebooks" / "01_count.ipynb"
    cells = json.loads(nb.read_text())
    cells["cells"][1]["source"] = "import time\ntime.sleep(8)\n" + "".join(
        cells["cells"][1]["source"]
    )
    nb.write_text(json.dumps(cells))
    process = subprocess.Popen(
        [sys.executable, "-m", "brief.cli", "render", "--project", str(tiny)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list((tiny / ".brief" / "build").glob("build-*")):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    refused(brief(tiny, "clean"), 1, "a render is running")
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert Path(last_line(out)) == draft_dir(tiny, NAME)
    assert ok(brief(tiny, "clean")) is not None


def _resave_like_jupyterlab(path: Path) -> None:
    """What saving from JupyterLab changes: kernel metadata, counts, outputs, view state."""
    nb = json.loads(path.read_text())
    nb["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    for number, cell in enumerate(nb["cells"], start=1):
        cell.setdefault("metadata", {})["collapsed"] = True
        if cell["cell_type"] == "code":
            cell["execution_count"] = number
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["stale\n"]}]
    path.write_text(json.dumps(nb, indent=2))


def test_saving_a_notebook_with_new_kernel_metadata_re_executes_nothing(tiny):
    draft = ok(brief(tiny, "render"))
    before = tree_bytes(draft)
    for path in (tiny / "notebooks").glob("*.ipynb"):
        _resave_like_jupyterlab(path)
    done = brief(tiny, "render", "--explain")
    assert ok(done) == draft and "up to date" in done.stderr
    assert "executing" not in done.stderr
    assert tree_bytes(draft) == before
    # A cold render of the re-saved notebooks gives the same bytes as the reused cache.
    ok(brief(tiny, "clean"))
    cold = ok(brief(tiny, "render", "--edition", "cold"))
    for name in (  # (brief.html names its edition)
        "facts.json",
        "notebooks/01_count.ipynb",
        "notebooks/02_colour.ipynb",
    ):
        assert (cold / name).read_bytes() == (draft / name).read_bytes(), name
    tags = tiny / "notebooks" / "02_colour.ipynb"  # tags are source: they mark parameters
    nb = json.loads(tags.read_text())
    nb["cells"][0]["metadata"]["tags"].append("keep")
    tags.write_text(json.dumps(nb))
    changed = brief(tiny, "render", "--explain", "--dry-run")
    assert "02_colour.ipynb: would execute" in changed.stderr
