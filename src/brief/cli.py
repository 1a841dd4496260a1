"""The `brief` command: render drafts, publish editions, preview, serve, list, diff, verify.

Exit status: 0 done; 1 a render failed (notebook, assembly, publishing, an edition that
fails verification); 2 bad input (parameters, data, edition names, usage); 130
interrupted. Errors go to standard error as one paragraph naming what is wrong; standard
output carries results only (the last line of `render` and `publish` is the edition's
folder). Shell completion: `eval "$(_BRIEF_COMPLETE=bash_source brief)"` (or zsh_source,
fish_source).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click

from brief.params import Given, ParamError, parse_assignments, read_params
from brief.project import Project, ProjectError, load_project

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130
PARAM_OPTIONS = ("-p", "--param")


class Failed(Exception):
    """A command that ran but did not succeed (exit 1); the message says what failed."""


# --------------------------------------------------------------------------- options


def _complete_editions(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    from brief.editions import Catalogue

    try:
        project = load_project(ctx.params.get("project"))
    except ProjectError:
        return []
    catalogue = Catalogue(ctx.params.get("output_dir") or project.default_output_dir)
    names = [e.name for e in catalogue.entries() if e.name.startswith(incomplete)]
    return list(dict.fromkeys(names))  # a draft may share its official edition's name


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--project, -q/--quiet and -v/--verbose, on every command."""
    options = [
        click.option(
            "--project",
            type=click.Path(file_okay=False, path_type=Path),
            help="the project folder (default: found upward from the working folder)",
        ),
        click.option("-q", "--quiet", is_flag=True, help="no progress or notes on stderr"),
        click.option(
            "-v", "--verbose", is_flag=True, help="more detail (why each notebook runs; tracebacks)"
        ),
    ]
    return _apply(func, options)


def _apply(func: Callable[..., Any], options: list[Callable[..., Any]]) -> Callable[..., Any]:
    """Decorate with `options`, listed in --help in the order given."""
    for option in reversed(options):
        func = option(func)
    return func


def params_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "-p",
            "--param",
            "param",
            multiple=True,
            metavar="NAME=VALUE",
            help="a parameter (also `-p NAME VALUE`, as papermill takes it)",
        ),
        click.option(
            "-P",
            "param_colon",
            multiple=True,
            metavar="NAME:VALUE",
            help="a parameter, as Quarto takes it",
        ),
        click.option(
            "--params",
            "--execute-params",
            "params_file",
            type=click.Path(path_type=Path),
            metavar="FILE.yaml",
            help="a YAML file of parameters (Quarto's --execute-params)",
        ),
    ]
    return _apply(func, options)


def output_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--output-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="where editions live (default: the project's output/)",
    )(func)


def given(param: tuple[str, ...], param_colon: tuple[str, ...], params_file: Path | None) -> Given:
    """Parameters in order of strength: the file, then -P, then -p."""
    found = read_params(params_file) if params_file else Given()
    for pairs, sep, option in ((param_colon, ":", "-P"), (param, "=", "-p")):
        values = parse_assignments(list(pairs), sep=sep, option=option)
        found.update(Given(values, dict.fromkeys(values, option)))
    return found


def papermill_pairs(argv: list[str]) -> list[str]:
    """`-p NAME VALUE` (papermill's form) becomes `-p NAME=VALUE` before parsing."""
    out, i = [], 0
    while i < len(argv):
        token = argv[i]
        out.append(token)
        if (
            token in PARAM_OPTIONS
            and i + 2 < len(argv)
            and "=" not in argv[i + 1]
            and not argv[i + 2].startswith("-")
        ):
            out.append(f"{argv[i + 1]}={argv[i + 2]}")
            i += 3
            continue
        i += 1
    return out


class ParamsHelp(click.Command):
    """`brief render --help` lists the project's parameters from its one model."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from brief.params import describe_model

        try:
            project = load_project(ctx.params.get("project"))
            rows = describe_model(project.subject("params"))
        except ProjectError as exc:
            formatter.write_paragraph()
            formatter.write_text(f"Parameters: run inside a project to list them ({exc}).")
            return
        with formatter.section(f"Parameters (from {project.config.get('params')})"):
            formatter.write_dl(
                [
                    (f"{name} ({kind})", f"{meaning} [default: {default}]")
                    for name, kind, default, meaning in rows
                ]
            )
        super().format_epilog(ctx, formatter)


# --------------------------------------------------------------------------- helpers


def _project(options: dict[str, Any]) -> Project:
    return load_project(options.get("project"))


def _output_dir(project: Project, output_dir: Path | None) -> Path:
    path = (output_dir or project.default_output_dir).resolve()
    data = project.data_dir.resolve()
    if path == data or data in path.parents:
        raise ParamError(
            f"--output-dir {path} is inside the data folder {data}: editions there would be "
            "read as data; choose a folder outside data/"
        )
    return path


@contextlib.contextmanager
def render_lock(project: Project, *, exclusive: bool) -> Iterator[None]:
    """Renders share `.brief/render.lock`; `brief clean` takes it alone."""
    from brief.execute import state_problem

    try:
        project.state_dir.mkdir(parents=True, exist_ok=True)
        handle = (project.state_dir / "render.lock").open("a")
    except OSError as exc:  # .brief/ read-only or full: a message, not a traceback
        raise (state_problem(exc, project.state_dir) or exc) from None
    with handle:
        mode = fcntl.LOCK_EX | fcntl.LOCK_NB if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(handle, mode)
        except BlockingIOError:
            raise Failed(
                f"a render is running in {project.root}: `brief clean` waits for no render; "
                "run it again when the render has finished"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _renderer(project: Project, o: dict[str, Any], *, official: bool, erratum: str | None = None):
    from brief.progress import Progress
    from brief.render import Renderer

    if o.get("jobs") is not None and o["jobs"] < 1:
        raise ParamError(f"--jobs {o['jobs']}: give at least 1")
    return Renderer(
        project,
        output_dir=_output_dir(project, o.get("output_dir")),
        engine=o.get("engine") or "auto",
        jobs=o.get("jobs"),
        official=official,
        erratum=erratum,
        explain=bool(o.get("explain") or o.get("verbose")),
        progress=Progress(quiet=o["quiet"]),
        executor=o.get("executor") or "local",
        scheduler=o.get("scheduler"),
    )


def _requests(o: dict[str, Any]) -> list[Any]:
    from brief.params import read_matrix
    from brief.render import EditionRequest

    found = given(o["param"], o["param_colon"], o["params_file"])
    if o.get("matrix"):
        if found.values or o.get("edition"):
            raise ParamError(
                "--matrix takes its parameter sets from the file: drop -p/-P/--params/--edition"
            )
        return [
            EditionRequest(params=e.given.values, edition=e.edition, where=e.given.where)
            for e in read_matrix(o["matrix"])
        ]
    return [EditionRequest(params=found.values, edition=o.get("edition"), where=found.where)]


def _note(o: dict[str, Any], text: str) -> None:
    if not o.get("quiet"):
        click.echo(text, err=True)


def _run(
    project: Project, o: dict[str, Any], *, official: bool, erratum: str | None = None
) -> list[Path]:
    if o.get("force"):
        raise ParamError(
            "--force is gone: `brief render` rebuilds its draft without it, and an official "
            "edition is never replaced (a correction is `brief publish --erratum TEXT`)"
        )
    renderer = _renderer(project, o, official=official, erratum=erratum)
    with render_lock(project, exclusive=False):
        if o.get("dry_run"):
            renderer.dry_run(_requests(o))
            return []
        return renderer.render(_requests(o))


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cnk-brief", prog_name="brief")
def cli() -> None:
    """Render drafts of the brief, publish official editions, and read the archive."""


def render_options(func: Callable[..., Any]) -> Callable[..., Any]:
    return _apply(
        func,
        [
            common,
            params_options,
            output_option,
            click.option("--edition", help="edition name (default: derived from the parameters)"),
            click.option(
                "--engine",
                type=click.Choice(["auto", "builtin", "quarto"]),
                default="auto",
                show_default=True,
                help="assembly engine (auto: Quarto when on PATH)",
            ),
            click.option("--jobs", type=int, help="notebooks executed at once (default: cores)"),
            click.option(
                "--explain",
                is_flag=True,
                help="say why each notebook runs (what differs from its closest cache entry) "
                "or is reused",
            ),
            click.option(
                "--executor",
                default="local",
                show_default=True,
                help="where notebooks run: local processes, or dask (pip install '.[dask]')",
            ),
            click.option(
                "--scheduler", metavar="ADDRESS", help="the Dask scheduler (--executor dask)"
            ),
            click.option("--force", is_flag=True, hidden=True),  # gone: say what replaced it
        ],
    )


@cli.command(cls=ParamsHelp)
@render_options
@click.option(
    "--matrix",
    type=click.Path(path_type=Path),
    metavar="FILE.yaml",
    help="several parameter sets (a YAML list) into separate drafts",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="with --explain: say what would run and why; execute and write nothing",
)
def render(**o: Any) -> None:
    """Render a draft into output/drafts/EDITION/ (rebuilt freely, never official).

    The last line printed is the draft's folder. `brief publish` makes an edition official.
    """
    for path in _run(_project(o), o, official=False):
        click.echo(str(path))


@cli.command(cls=ParamsHelp)
@render_options
@click.option(
    "--erratum",
    metavar="TEXT",
    help="publish a correction of an official edition: a new revision (EDITION.r2) "
    "carrying this note for readers",
)
@click.option(
    "--allow-dirty", is_flag=True, help="publish although the working tree has uncommitted changes"
)
def publish(**o: Any) -> None:
    """Publish an official edition into output/EDITION/ (immutable, listed in output/OFFICIAL).

    An official edition is never replaced: a correction is a new revision with --erratum.
    The last line printed is the edition's folder; commit it with output/OFFICIAL,
    output/index.html and output/latest/.
    """
    from brief.editions.publishing import git_state

    erratum = (o.get("erratum") or "").strip() or None
    if o.get("erratum") is not None and erratum is None:
        raise ParamError("--erratum: give a short note saying what the correction corrects")
    if erratum and len(erratum) > 500:
        raise ParamError(f"--erratum: {len(erratum)} characters; keep the note under 500")
    project = _project(o)
    if git_state(project.root).get("dirty") and not o.get("allow_dirty"):
        raise ParamError(
            f"{project.root} has uncommitted changes: an official edition records its code "
            "commit, so commit first (or pass --allow-dirty to publish anyway, recorded as dirty)"
        )
    o["matrix"] = None
    for path in _run(project, o, official=True, erratum=erratum):
        click.echo(str(path))


@cli.command(cls=ParamsHelp)
@render_options
@click.option("--port", type=int, default=4848, show_default=True, help="0: any free port")
@click.option("--no-watch", is_flag=True, help="serve the draft without rebuilding it")
def preview(**o: Any) -> None:
    """Render the draft, serve it on 127.0.0.1, and rebuild it when a source changes."""
    from brief.editions.serve import preview as run_preview

    project = _project(o)
    o["matrix"] = None

    def build() -> Path:
        return _run(project, o, official=False)[0]

    run_preview(project, build, port=o["port"], watch=not o["no_watch"], quiet=o["quiet"])


@cli.command()
@common
@output_option
@click.option("--port", type=int, default=4849, show_default=True, help="0: any free port")
def serve(**o: Any) -> None:
    """Serve the archive of official editions on 127.0.0.1, read-only."""
    from brief.editions.serve import serve_archive

    project = _project(o)
    serve_archive(_output_dir(project, o.get("output_dir")), port=o["port"], quiet=o["quiet"])


@cli.command()
@common
@params_options
def check(**o: Any) -> None:
    """Validate all data (and the parameters) without rendering."""
    import datetime as dt

    from brief.params import resolve
    from brief.render import DataProblems

    project = _project(o)
    problems = project.subject("data_check")(project.data_dir)
    if problems:
        raise DataProblems(problems)
    latest: dt.date = project.subject("latest")(project.data_dir)
    found = given(o["param"], o["param_colon"], o["params_file"])
    resolved = resolve(project.subject("params"), found.values, latest, found.where)
    files = [p for p in project.data_dir.rglob("*") if p.is_file()]
    shown = ", ".join(f"{k}={v}" for k, v in resolved.values.items())
    click.echo(
        f"ok: {len(files)} data files valid, latest publication {latest}; parameters {shown}"
    )


@cli.command(name="list")
@common
@output_option
@click.option("--json", "as_json", is_flag=True, help="JSON, newest first")
@click.option("--official", is_flag=True, help="official editions only (no drafts)")
def list_editions(**o: Any) -> None:
    """The official editions (newest first), then the drafts; flags any that fail `verify`."""
    from brief.editions import Catalogue
    from brief.editions.views import list_json, list_table

    project = _project(o)
    catalogue = Catalogue(_output_dir(project, o.get("output_dir")), project.date_key)
    entries = catalogue.official() if o["official"] else catalogue.entries()
    for warning in catalogue.warnings:
        _note(o, f"warning: {warning}")
    click.echo(
        list_json(catalogue, entries) if o["as_json"] else list_table(catalogue, entries), nl=False
    )


def _find(catalogue: Any, ref: str) -> Path:
    found = catalogue.find(ref)
    if found is None:
        raise ParamError(
            f"no edition {ref!r}: no manifest.json in {catalogue.output_dir / ref} nor in "
            f"{catalogue.drafts_dir / ref}"
        )
    return found


@cli.command()
@common
@output_option
@click.argument("a", shell_complete=_complete_editions)
@click.argument("b", shell_complete=_complete_editions)
@click.option("--json", "as_json", is_flag=True)
def diff(**o: Any) -> None:
    """What changed from edition A (older) to B: parameters, data, code and stated facts."""
    from brief.editions import Catalogue
    from brief.editions.diff import DiffError, diff_editions, diff_to_json
    from brief.editions.views import format_diff

    project = _project(o)
    catalogue = Catalogue(_output_dir(project, o.get("output_dir")), project.date_key)
    try:
        result = diff_editions(_find(catalogue, o["a"]), _find(catalogue, o["b"]), project.date_key)
    except DiffError as exc:
        raise ParamError(str(exc)) from None
    click.echo(diff_to_json(result) if o["as_json"] else format_diff(result), nl=False)


@cli.command()
@common
@output_option
@click.argument("editions", nargs=-1, shell_complete=_complete_editions)
def verify(**o: Any) -> None:
    """Check every file of editions against their manifests (default: all of them)."""
    from brief.editions import Catalogue
    from brief.editions import verify as check_edition

    project = _project(o)
    catalogue = Catalogue(_output_dir(project, o.get("output_dir")), project.date_key)
    paths = [_find(catalogue, ref) for ref in o["editions"]] or [
        e.path for e in catalogue.entries()
    ]
    failed = 0
    for path in paths:
        problems = check_edition(path)
        failed += bool(problems)
        click.echo(
            f"{'FAILED' if problems else 'ok'}  {path.name}"
            + "".join(f"\n    {p}" for p in problems)
        )
    if failed:
        raise Failed(f"{failed} of {len(paths)} edition(s) fail verification")


@cli.command()
@common
@output_option
def archive(**o: Any) -> None:
    """Regenerate output/index.html and output/latest/ from the official editions."""
    from brief.editions import publishing
    from brief.editions.archive import write_archive

    project = _project(o)
    output_dir = _output_dir(project, o.get("output_dir"))
    publishing.check_writable(output_dir)
    with publishing.publish_lock(output_dir):
        for note in publishing.sweep_stale(output_dir):
            _note(o, note)
        click.echo(str(write_archive(output_dir, project.date_key)))


@cli.command()
@common
@click.option("--dry-run", is_flag=True, help="say what would be removed")
def clean(**o: Any) -> None:
    """Remove the execution cache and build folders (.brief/), kept failed builds included."""
    project = _project(o)
    with render_lock(project, exclusive=True):
        for target in (project.cache_dir, project.build_root):
            if target.exists():
                click.echo(f"{'would remove' if o['dry_run'] else 'removing'} {target}")
                if not o["dry_run"]:
                    shutil.rmtree(target)


# --------------------------------------------------------------------------- main


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _fail(message: str, code: int) -> int:
    click.echo(f"error: {message}", err=True)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = papermill_pairs(list(sys.argv[1:] if argv is None else argv))
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    from brief.editions.manifest import ManifestError
    from brief.editions.publishing import BadEpoch, PublishError, Timeout
    from brief.engines import AssemblyError
    from brief.execute import NotebookFailed
    from brief.executors import WorkerLost
    from brief.render import DataProblems

    verbose = "-v" in argv or "--verbose" in argv
    try:
        cli.main(args=argv, prog_name="brief", standalone_mode=False)
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, click.exceptions.Abort) as exc:
        default = "interrupted; nothing was published and earlier editions are intact"
        cause = exc.__cause__ or exc.__context__ or exc  # click wraps the interrupt in Abort
        return _fail(getattr(cause, "message", default), EXIT_INTERRUPTED)
    except (ParamError, ProjectError, DataProblems, BadEpoch) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except (NotebookFailed, WorkerLost, AssemblyError, PublishError, ManifestError, Failed) as exc:
        if verbose:
            traceback.print_exc()
        return _fail(str(exc), EXIT_FAILED)
    except Timeout:
        return _fail("another render held the output folder's lock for too long", EXIT_FAILED)


def run() -> NoReturn:
    """The `brief` command: `main`, then an exit that skips tearing the interpreter down.

    Once a command has finished, the exit handlers have run and the standard streams are
    flushed, freeing every object of pandas, pandera, Altair and the rest one by one only
    delays the prompt (0.3-0.4 s after a render). Where a thread other than the main one
    still runs, the ordinary exit waits for it instead."""
    code = main()
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
