"""The `brief` command: render, check, list, diff, archive, clean.

Exit status: 0 done; 1 a render failed (notebook, assembly, publishing); 2 bad input
(parameters, data, edition names, usage); 130 interrupted. Errors go to standard error as
one paragraph naming what is wrong; standard output carries results only.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from brief.params import ParamError, parse_assignments, read_params_file
from brief.project import Project, ProjectError, load_project

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brief", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def with_project(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--project", type=Path, default=Path("."), help="project folder (.)")
        return p

    def with_params(p: argparse.ArgumentParser) -> None:
        p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
        p.add_argument("--params", type=Path, metavar="FILE.yaml", help="parameters file")

    def with_output(p: argparse.ArgumentParser) -> None:
        p.add_argument("--output-dir", type=Path, help="where editions live (project/output)")

    render = with_project(sub.add_parser("render", help="render an edition (or a matrix)"))
    with_params(render)
    with_output(render)
    render.add_argument("--edition", help="edition name (default: derived from the parameters)")
    render.add_argument("--matrix", type=Path, metavar="FILE.yaml", help="several parameter sets")
    render.add_argument("--engine", choices=["auto", "builtin", "quarto"], default="auto")
    render.add_argument("--jobs", type=int, help="notebooks executed at once (default: cores)")
    render.add_argument("--force", action="store_true", help="replace an existing edition")
    render.add_argument("--explain", action="store_true", help="say why each notebook runs")
    render.add_argument("--quiet", action="store_true", help="no progress output")

    check = with_project(sub.add_parser("check", help="validate the data (and parameters)"))
    with_params(check)

    listing = with_project(sub.add_parser("list", help="list published editions"))
    with_output(listing)
    listing.add_argument("--json", action="store_true")

    diff = with_project(sub.add_parser("diff", help="what changed between two editions"))
    with_output(diff)
    diff.add_argument("a", help="older edition (name or folder)")
    diff.add_argument("b", help="newer edition (name or folder)")
    diff.add_argument("--json", action="store_true")

    archive = with_project(sub.add_parser("archive", help="regenerate output/index.html, latest/"))
    with_output(archive)

    clean = with_project(sub.add_parser("clean", help="remove the cache and build folders"))
    clean.add_argument("--dry-run", action="store_true")
    return parser


def _raw_params(args: argparse.Namespace) -> dict[str, Any]:
    raw: dict[str, Any] = read_params_file(args.params) if args.params else {}
    raw.update(parse_assignments(args.param))
    return raw


def _output_dir(project: Project, args: argparse.Namespace) -> Path:
    return (args.output_dir or project.default_output_dir).resolve()


def cmd_render(project: Project, args: argparse.Namespace) -> int:
    from brief.progress import Progress
    from brief.render import EditionRequest, Renderer, read_matrix

    if args.matrix and (args.param or args.params or args.edition):
        raise ParamError(
            "--matrix takes its parameter sets from the file: drop -p/--params/--edition"
        )
    if args.jobs is not None and args.jobs < 1:
        raise ParamError(f"--jobs {args.jobs}: give at least 1")
    requests = (
        read_matrix(args.matrix)
        if args.matrix
        else [EditionRequest(params=_raw_params(args), edition=args.edition)]
    )
    renderer = Renderer(
        project,
        output_dir=_output_dir(project, args),
        engine=args.engine,
        jobs=args.jobs,
        force=args.force,
        explain=args.explain,
        progress=Progress(quiet=args.quiet),
    )
    for path in renderer.render(requests):
        print(path)
    return 0


def cmd_check(project: Project, args: argparse.Namespace) -> int:
    import datetime as dt

    from brief.params import resolve

    problems = project.subject("data_check")(project.data_dir)
    if problems:
        print(f"error: the data has {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    latest: dt.date = project.subject("latest")(project.data_dir)
    resolved = resolve(project.subject("params"), _raw_params(args), latest)
    files = [p for p in project.data_dir.rglob("*") if p.is_file()]
    shown = ", ".join(f"{k}={v}" for k, v in resolved.values.items())
    print(f"ok: {len(files)} data files valid, latest publication {latest}; parameters {shown}")
    return 0


def _edition_path(output_dir: Path, ref: str) -> Path:
    candidate = Path(ref)
    path = candidate if candidate.is_dir() else output_dir / ref
    if not (path / "manifest.json").is_file():
        raise ParamError(f"no edition {ref!r}: no manifest.json in {path}")
    return path


def cmd_list(project: Project, args: argparse.Namespace) -> int:
    from brief.archive import editions_json, format_table, list_editions

    warnings: list[str] = []
    editions = list_editions(_output_dir(project, args), warnings)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    sys.stdout.write(editions_json(editions) if args.json else format_table(editions))
    return 0


def cmd_diff(project: Project, args: argparse.Namespace) -> int:
    from brief.diff import DiffError, diff_editions, diff_to_json, format_diff

    output_dir = _output_dir(project, args)
    try:
        result = diff_editions(_edition_path(output_dir, args.a), _edition_path(output_dir, args.b))
    except DiffError as exc:
        raise ParamError(str(exc)) from None
    sys.stdout.write(diff_to_json(result) if args.json else format_diff(result))
    return 0


def cmd_archive(project: Project, args: argparse.Namespace) -> int:
    from brief.archive import write_archive
    from brief.publish import publish_lock

    output_dir = _output_dir(project, args)
    with publish_lock(output_dir):
        print(write_archive(output_dir))
    return 0


def cmd_clean(project: Project, args: argparse.Namespace) -> int:
    targets = [project.cache_dir, project.build_root]
    for target in targets:
        if target.exists():
            print(f"{'would remove' if args.dry_run else 'removing'} {target}")
            if not args.dry_run:
                shutil.rmtree(target)
    return 0


COMMANDS = {
    "render": cmd_render,
    "check": cmd_check,
    "list": cmd_list,
    "diff": cmd_diff,
    "archive": cmd_archive,
    "clean": cmd_clean,
}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    from brief.engines import AssemblyError
    from brief.execute import NotebookFailed
    from brief.publish import PublishError, Timeout
    from brief.render import DataProblems

    try:
        project = load_project(args.project)
        return COMMANDS[args.command](project, args)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was published and earlier editions are intact", 130)
    except (ParamError, ProjectError, DataProblems) as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except (NotebookFailed, AssemblyError, PublishError) as exc:
        return _fail(str(exc), EXIT_FAILED)
    except Timeout:
        return _fail("another render held the output folder's lock for too long", EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
