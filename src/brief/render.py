"""`brief render`: parameters → executed notebooks → assembled brief → published edition.

One edition or a matrix of them share one pass: every edition is planned (and every
parameter set validated) before anything runs; notebooks that several editions need with
the same inputs execute once; each edition gets its own build folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from brief import protocol
from brief.cache import MISSING, NotebookCache
from brief.editions import publishing as publish
from brief.editions import release
from brief.execute import DataProblems as DataProblems  # where callers expect it
from brief.execute import DataState, NotebookJob, explain_miss, prepare_data
from brief.fsutil import KEEP_MARKER, owned_tempdir, remove_tree, sweep_dead
from brief.hashing import file_sha256, files_sha256, tree_sha256, value_sha256
from brief.notebooks import notebook_source_digest
from brief.params import ParamError, Resolved, check_edition_name, edition_name, resolve
from brief.progress import Progress
from brief.project import Project

FACTS_MIME = protocol.FACTS_MIME  # (see docs/ARCHITECTURE.md, "Facts")
BUILD_PREFIX = "build-"
RUN_PREFIX = "run-"  # one per render: the read-only snapshot of data/ and notebooks/
FONT_SUFFIXES = {".ttf", ".otf", ".ttc"}
PACKAGES = [
    "papermill",
    "ipykernel",
    "nbclient",
    "pandas",
    "numpy",
    "altair",
    "vl-convert-python",
    "pandera",
    "pydantic",
    "pypandoc-binary",
    "typst",
]


@dataclass(frozen=True)
class EditionRequest:
    params: dict[str, Any]
    edition: str | None = None
    where: dict[str, str] = field(default_factory=dict)  # name -> "-p" or "file.yaml:3"


@dataclass
class EditionPlan:
    name: str
    resolved: Resolved
    jobs: list[NotebookJob]
    identity: dict[str, Any]
    final: Path
    up_to_date: bool = False
    executed: dict[str, Path] = field(default_factory=dict)
    target: release.Target | None = None
    document: Path | None = None  # the source document in the edition's language
    lang: tuple[str, str] | None = None  # (the edition's language, the default language)


class RenderInterrupted(KeyboardInterrupt):
    """A render stopped by a signal; says which editions it had completed."""

    def __init__(self, done: list[str]):
        listed = ", ".join(done)
        self.message = (
            f"interrupted after {len(done)} edition(s) were written ({listed}); nothing else "
            "was published and earlier editions are intact"
            if done
            else "interrupted; nothing was published and earlier editions are intact"
        )
        super().__init__(self.message)


class Renderer:
    def __init__(
        self,
        project: Project,
        *,
        output_dir: Path | None = None,
        engine: str = "auto",
        jobs: int | None = None,
        official: bool = False,
        erratum: str | None = None,
        explain: bool = False,
        progress: Progress | None = None,
        executor: str = "local",
        scheduler: str | None = None,
    ):
        self.project = project
        self.output_dir = (output_dir or project.default_output_dir).resolve()
        self.engine_request = engine
        self.jobs = jobs or os.cpu_count() or 1
        self.official = official  # `brief publish`; otherwise a draft
        self.erratum = erratum
        self.explain = explain
        self.progress = progress or Progress()
        self.cache = NotebookCache(project.cache_dir, self.progress.warn)
        self.executor, self.scheduler = executor, scheduler
        # The engines keep expensive assets (the Vega bundle) here between renders.
        os.environ[protocol.ASSET_CACHE_ENV] = str(project.cache_dir / "assets")
        self.kernel_starts = 0

    # --- inputs -----------------------------------------------------------------------

    def data_state(self, *, remember: bool = True) -> DataState:
        """A read-only snapshot of data/ and notebooks/ (what every key and kernel reads);
        validation runs once per distinct data content and subject code (`remember=False`,
        a dry run: no validated marker is written or discarded)."""
        self.run_root = owned_tempdir(self.project.build_root, RUN_PREFIX)
        say, warn, code = self.progress.line, self.progress.warn, self.subject_code()
        early = self._start_workers if remember and self.executor == "local" else None
        return prepare_data(
            self.project, self.run_root, code, say, warn, remember=remember, on_validating=early
        )

    def _start_workers(self, data_dir: Path, notebooks_dir: Path) -> None:
        """Validation runs when the data or the subject changed, and then notebooks run
        too (both are in every notebook's key): the workers spawn and start their kernels
        beside it rather than after planning."""
        from brief.execute import start_executor

        self.early = start_executor(
            self.project, data_dir, notebooks_dir, executor=self.executor, workers=self.jobs
        )
        self.after_spawn()

    def _drop_early_workers(self) -> None:
        """Stop workers started beside validation that no notebook will use (they run
        nothing: killing them, kernels included, loses nothing and does not wait)."""
        early, self.early = getattr(self, "early", None), None
        if early is not None:
            early.kill()

    def subject_code(self) -> str:
        # Subject code is its modules and its sentence catalogues (analysis.text).
        dirs = self.project.subject_code_dirs
        return value_sha256([tree_sha256(dirs, p) for p in ("*.py", "*.yaml")])

    def shared_inputs(self, data: DataState) -> dict[str, Any]:
        return {
            "data": data.checksums,
            "code": data.code,
            "lock": value_sha256([file_sha256(p) for p in self.project.lock_files if p.is_file()]),
            "runtime": f"{sys.version.split()[0]} {sys.platform}",
        }

    def notebooks(self) -> list[Path]:
        found = sorted((self.run_root / "notebooks").glob("*.ipynb"))  # the snapshot
        if not found:
            raise publish.PublishError(f"no notebooks in {self.project.notebooks_dir}")
        return found

    def language(self, model: Any, values: dict[str, Any]) -> tuple[str, str] | None:
        """(the edition's language, the default one) when [tool.brief] names a
        `language_param`: a parameter no notebook declares, chosen at assembly."""
        name = self.project.config.get("language_param")
        if not name:
            return None
        field_ = model.model_fields.get(name)
        if field_ is None:
            raise ParamError(
                f"pyproject.toml: [tool.brief] language_param {name!r} is not a parameter"
            )
        return str(values.get(name) or field_.default), str(field_.default)

    def document_for(self, lang: tuple[str, str] | None) -> Path:
        from brief.engines import AssemblyError
        from brief.engines.languages import document_for

        if lang is None:
            return self.project.document
        try:
            return document_for(self.project.document, *lang)
        except AssemblyError as exc:
            raise ParamError(str(exc)) from None

    def document_inputs(self, document: Path | None = None) -> dict[str, str]:
        root = self.project.root
        paths = [document or self.project.document, root / "_quarto.yml"]
        paths += [p for p in self.project.fonts_dir.glob("*") if p.suffix in FONT_SUFFIXES]
        return {
            **files_sha256(root, [p for p in paths if p.is_file()]),
            "machinery": tree_sha256([Path(__file__).parent], "*"),
        }

    # --- planning -----------------------------------------------------------------------

    def plan(self, requests: list[EditionRequest], *, remember: bool = True) -> list[EditionPlan]:
        from brief.engines import choose_engine
        from brief.execute import declared_parameters, plan_jobs

        data = self.data_state(remember=remember)
        model = self.project.subject("params")
        engine = choose_engine(self.engine_request)
        self.engine = engine
        shared = self.shared_inputs(data)
        notebooks = self.notebooks()
        sources = {p.name: notebook_source_digest(p) for p in notebooks}
        declared = {p.name: declared_parameters(p) for p in notebooks}
        plans, names = [], set()
        for request in requests:
            resolved = resolve(model, request.params, _date(data.latest), request.where)
            lang = self.language(model, resolved.values)
            source = self.document_for(lang)
            document = self.document_inputs(source)
            name = edition_name(resolved, self.project.date_key)
            if request.edition:
                name = check_edition_name(request.edition)
            if name in names:
                raise ParamError(f"two parameter sets would make edition {name!r}")
            names.add(name)
            jobs = plan_jobs(
                notebooks,
                resolved.values,
                source_hashes=sources,
                shared_inputs=shared,
                declared=declared,
            )
            identity = {
                "params": resolved.values,
                "data": data.checksums,
                "notebooks": sources,
                "code": {"subject": shared["code"], "lock": shared["lock"], **document},
            }  # no engine: an edition is what its inputs say (docs/ARCHITECTURE.md, Engines)
            if lang is not None:  # recorded, so the archive can pair an edition with its twin
                language = {"param": self.project.config["language_param"], "value": lang[0]}
                identity["language"] = {**language, "default": lang[1]}
            twin = twin_name(self.project, name, resolved, lang)
            if twin is not None:  # the page links to it: which revision is an input too
                newest = self.catalogue.revisions(twin) if self.official else []
                identity["twin"] = newest[-1].name if newest else twin
            as_of = str(resolved.values.get(self.project.date_key) or "")
            same = {self.project.config["language_param"]: lang} if lang else None
            to, identity = release.target(
                self.catalogue,
                name,
                as_of,
                identity,
                official=self.official,
                erratum=self.erratum,
                same=same,
            )
            plan = EditionPlan(to.name, resolved, jobs, identity, to.final, to.up_to_date)
            plan.target, plan.document, plan.lang = to, source, lang
            if to.note:
                self.progress.line(f"{name}: rendered again: {to.note}")
            plans.append(plan)
        self.data = data
        return plans

    def dry_run(self, requests: list[EditionRequest]) -> None:
        """`--explain --dry-run`: what a render would do and why, executing nothing and
        changing nothing (no kernel, no cache entry or marker written or discarded)."""
        from brief.editions.catalogue import Catalogue

        self.catalogue = Catalogue(self.output_dir, self.project.date_key)
        try:
            plans = self.plan(requests, remember=False)
        finally:
            if getattr(self, "run_root", None) is not None:
                remove_tree(self.run_root)
        first: dict[str, str] = {}  # key -> the edition that would execute it
        counts = {"execute": 0, "reuse": 0}
        for plan in plans:
            if plan.up_to_date:
                self.progress.line(f"{plan.name}: up to date (same inputs); nothing to do")
                continue
            for job in plan.jobs:
                problem = self.cache.problem(job.key)
                if problem is None:
                    why, counts["reuse"] = "reused (cache hit)", counts["reuse"] + 1
                elif job.key in first:
                    why = f"shared with edition {first[job.key]} of this matrix (executed once)"
                elif problem != MISSING:
                    why = f"would execute: its cache entry {job.key[:12]} is damaged ({problem})"
                else:
                    why = "would execute: " + explain_miss(
                        self.cache.recorded(job.name), job.inputs
                    )
                if problem is not None and job.key not in first:
                    first[job.key] = plan.name
                    counts["execute"] += 1
                self.progress.line(f"{plan.name}: {job.name}: {why}")
        self.progress.line(
            f"dry run: {counts['execute']} notebook(s) would execute, {counts['reuse']} "
            "reused; nothing was executed or written"
        )

    # --- execution ----------------------------------------------------------------------

    def execute(
        self,
        plans: list[EditionPlan],
        build_dirs: dict[str, Path],
        ready: Callable[[EditionPlan], None] = lambda plan: None,
    ) -> None:
        """Reuse cached notebooks; run the rest once each, in parallel. `ready` is told of
        each edition as soon as all its notebooks are executed (its assembly can start
        while other editions' notebooks still run)."""
        todo: dict[str, tuple[NotebookJob, Path]] = {}
        editions: dict[str, list[str]] = {}  # key -> the editions that need it
        waiting: dict[str, set[str]] = {}  # edition -> the keys it still waits for
        for plan in plans:
            if plan.up_to_date:
                continue
            waiting[plan.name] = set()
            for job in plan.jobs:
                cached = self.cache.get(job.key, job.name)
                if cached is not None:
                    plan.executed[job.name] = cached
                    self._explain(plan, job, "reused (cache hit)")
                    continue
                waiting[plan.name].add(job.key)
                if job.key not in todo:
                    if self.explain:  # (reads the cache's records: only when asked)
                        why = explain_miss(self.cache.recorded(job.name), job.inputs)
                        self._explain(plan, job, f"execute: {why}")
                    todo[job.key] = (job, build_dirs[plan.name] / "notebooks" / job.name)
                    editions[job.key] = [plan.name]
                else:
                    first = editions[job.key][0]
                    editions[job.key].append(plan.name)
                    why = f"shared with edition {first} of this matrix (executed once)"
                    self._explain(plan, job, why)
            mine = [j.name for j in plan.jobs if j.key in todo]
            if mine and not self.explain:  # progress names the edition and its notebooks (E)
                self.progress.line(f"{plan.name}: {len(mine)} to execute: {', '.join(mine)}")
        by_name = {plan.name: plan for plan in plans}

        def stored(key: str) -> None:
            for name in editions[key]:
                waiting[name].discard(key)
                if not waiting[name]:
                    self._collect(by_name[name])
                    ready(by_name[name])

        for name in [name for name, keys in waiting.items() if not keys]:
            ready(by_name[name])  # every notebook of it cached
        if not todo:
            self.progress.line("notebooks: nothing to execute, every notebook is cached")
            self._drop_early_workers()
            self.after_spawn()
        else:
            self._run(list(todo.values()), editions, stored)

    def _collect(self, plan: EditionPlan) -> None:
        """The edition's freshly executed notebooks, from the cache they were stored in."""
        for job in plan.jobs:
            if job.name not in plan.executed:
                plan.executed[job.name] = self.cache.get(job.key, job.name)

    def _explain(self, plan: EditionPlan, job: NotebookJob, text: str) -> None:
        if self.explain:
            self.progress.line(f"{plan.name}: {job.name}: {text}")

    def _run(
        self,
        todo: list[tuple[NotebookJob, Path]],
        editions: dict[str, list[str]] | None = None,
        stored: Callable[[str], None] = lambda key: None,
    ) -> None:
        from brief.execute import run_notebooks

        runner, self.early = getattr(self, "early", None), None
        self.kernel_starts += run_notebooks(
            self.project,
            self.data,
            todo,
            cache=self.cache,
            executor=self.executor,
            workers=self.jobs,
            scheduler=self.scheduler,
            progress=self.progress,
            after_spawn=self.after_spawn,
            editions=editions,
            runner=runner,
            on_stored=stored,
        )

    def after_spawn(self) -> None:
        """Start the one-off preparations (the engine's Vega bundle, vl-convert's engine for
        the static charts) in a thread once workers are spawned, so that neither the first
        result nor the first assembly waits for them."""
        if getattr(self, "_warming", False):
            return
        from brief.engines import warm_up
        from brief.execute import warm_static_charts

        def quietly() -> None:  # a failure here recurs in assembly, which reports it
            with contextlib.suppress(Exception):
                warm_up()
            with contextlib.suppress(Exception):
                warm_static_charts()

        self._warming = True
        threading.Thread(target=quietly, name="engine-warm-up", daemon=True).start()

    # --- assembly and publishing --------------------------------------------------------

    def _write_bibliography(self, plan: EditionPlan, target: Path) -> None:
        """The edition's bibliography: what the subject's `[tool.brief] bibliography` hook
        returns for the edition's date (no source published after it), else the data's file."""
        source = self.data.data_dir / "references.json"
        as_of = plan.resolved.values.get(self.project.date_key)
        if "bibliography" not in self.project.config or as_of is None:
            shutil.copyfile(source, target)
            return
        from brief.execute import validated_env

        # The hook loads the snapshot validated at planning: told so, as kernels are (its
        # loader would otherwise validate it again here, on the assembly's critical path).
        os.environ.update(validated_env(self.project, self.data.data_dir))
        items = self.project.subject("bibliography")(as_of, self.data.data_dir)
        text = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
        target.write_text(text, encoding="utf-8")

    def _describe_changes(
        self, plan: EditionPlan, old: dict, new: dict, diff: Any, lang: str
    ) -> str:
        """The subject's own "What changed" text; a failure names the hook and the edition."""
        from brief.engines import AssemblyError

        describe = self.project.subject("changes")
        try:
            return describe(old, new, lang=lang, previous_date=diff.a_as_of, date=diff.b_as_of)
        except Exception as exc:  # subject code: reported as a failed assembly, not a trace
            target = self.project.config["changes"]
            raise AssemblyError(
                f"{plan.name}: [tool.brief] changes = {target!r} failed on the previous "
                f"edition's facts: {type(exc).__name__}: {exc}"
            ) from exc

    def assemble(self, plan: EditionPlan, build: Path) -> Path:
        """Fill the build folder, assemble, and stage the complete edition; return staging."""
        from brief.editions.diff import compare, load
        from brief.editions.manifest import Manifest
        from brief.editions.views import changes_markdown
        from brief.engines import assemble, engine_version

        root = self.project.root
        nb_dir = build / "notebooks"
        nb_dir.mkdir(parents=True, exist_ok=True)
        for name, path in plan.executed.items():
            shutil.copyfile(path, nb_dir / name)
        if plan.lang is not None:  # this edition's language, chosen in the copies
            from brief.engines.languages import select_in_folder

            select_in_folder(nb_dir, *plan.lang)
        # The document in the edition's language, under the name _quarto.yml renders.
        document = plan.document or self.project.document
        shutil.copyfile(document, build / self.project.document.name)
        shutil.copyfile(root / "_quarto.yml", build / "_quarto.yml")
        self._write_bibliography(plan, build / "references.json")
        # Real Quarto finds the charts' fonts through _quarto.yml's relative font-paths.
        shutil.copytree(self.project.fonts_dir, build / "assets" / "fonts", dirs_exist_ok=True)

        as_of = plan.resolved.values.get(self.project.date_key)
        to = plan.target
        assert to is not None
        timestamp = publish.build_timestamp(as_of)
        facts = collect_facts([nb_dir / n for n in sorted(plan.executed)])
        manifest = Manifest(
            edition=plan.name,
            title=document_title(document),
            params=plan.resolved.values,
            params_default=sorted(plan.resolved.defaults),
            data=self.data.checksums,
            notebooks=plan.identity["notebooks"],
            code=publish.git_state(root),
            engine={"name": self.engine, "version": engine_version(self.engine)},
            versions=versions(),
            built=timestamp.isoformat(),
            inputs=plan.identity,
            inputs_sha256=value_sha256(plan.identity),
            previous=to.previous_record,
            publication=release.stamp(to.publication),
        )
        lang = plan.lang[0] if plan.lang else "en"
        diff, described = None, None
        if to.previous is not None:
            old, old_facts, note = load(to.previous.path)
            diff = compare(old, old_facts, manifest, facts, self.project.date_key)
            diff.notes += [note] if note else []
            if "changes" in self.project.config:  # the subject words its own "what changed"
                described = self._describe_changes(plan, old_facts, facts, diff, lang)
        changes = changes_markdown(
            diff,
            previous=to.previous.name if to.previous else "",
            erratum=to.publication.erratum,
            revises=to.publication.base,
            lang=lang,
            described=described,
        )
        (build / "_changes.md").write_text(changes, "utf-8")
        (build / "_colophon.md").write_text(colophon_markdown(manifest.to_dict(), lang), "utf-8")
        from brief.engines.languages import edition_words

        words = edition_words(plan.lang[0] if plan.lang else "en")
        kind = words["edition" if self.official else "draft"]
        # The edition line under the title (both templates); the subtitle is the document's.
        metadata = {
            "date": as_of or "",
            "brief-edition": kind.format(name=plan.name),
            "brief-as-of": as_of or "",
            "brief-built": manifest.built[:10],
            "brief-word-as-of": words["as-of"],
            "brief-word-built": words["built"],
            **twin_metadata(self.project, plan),
        }
        self.progress.line(f"{plan.name}: assembling with the {self.engine} engine")
        started = time.monotonic()
        done = assemble(
            build,
            engine=self.engine,
            metadata=metadata,
            timestamp=timestamp,
            fonts_dir=build / "assets" / "fonts",
        )
        formats = ", ".join(done.outputs)
        self.progress.line(
            f"{plan.name}: assembled ({formats}) in {time.monotonic() - started:.1f}s"
        )

        staging = publish.new_staging(plan.final.parent)
        try:
            for path in done.outputs.values():  # one file per output format
                shutil.copyfile(path, staging / path.name)
            shutil.copytree(nb_dir, staging / "notebooks")
            text = json.dumps(facts, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            (staging / "facts.json").write_text(text, encoding="utf-8")
            manifest.write(staging)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise publish.output_problem(exc, self.output_dir) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def publish(self, plan: EditionPlan, staging: Path) -> None:
        """Put a complete staging folder in place: a draft swap, or a new official edition."""
        assert plan.target is not None
        try:
            with publish.publish_lock(self.output_dir):
                release.put_in_place(staging, plan.target, self.project.date_key)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise publish.output_problem(exc, plan.final) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def render(self, requests: list[EditionRequest]) -> list[Path]:
        from brief.editions.catalogue import Catalogue

        publish.check_writable(self.output_dir)
        with publish.publish_lock(self.output_dir):
            for note in release.prepare(self.output_dir, self.project.date_key):
                self.progress.line(note)
        self.catalogue = Catalogue(self.output_dir, self.project.date_key)
        from brief.executors.records import reap_leftovers

        try:
            reap_leftovers(self.project.state_dir)  # workers and kernels of a killed render
            sweep_dead(self.project.build_root, BUILD_PREFIX)
            sweep_dead(self.project.build_root, RUN_PREFIX)
            self.cache.sweep()
            return self._render(requests)
        except OSError as exc:
            from brief.execute import state_problem

            raise (state_problem(exc, self.project.state_dir) or exc) from None
        finally:
            # Workers started beside validation and never used: validation failed, the
            # render was interrupted, or every edition was up to date.
            self._drop_early_workers()
            if getattr(self, "run_root", None) is not None:
                remove_tree(self.run_root)

    def _render(self, requests: list[EditionRequest]) -> list[Path]:
        plans = self.plan(requests)
        pending = [p for p in plans if not p.up_to_date]
        for plan in plans:
            if plan.up_to_date:
                self.progress.line(f"{plan.name}: up to date (same inputs); nothing to do")
        builds = {p.name: owned_tempdir(self.project.build_root, BUILD_PREFIX) for p in pending}
        keep: set[str] = set()
        written: list[str] = []
        self.assembling: str | None = None
        try:
            with Assemblies(self, pending, builds) as assemblies:
                if pending:
                    self.execute(pending, builds, ready=assemblies.start)
                for plan, staging in assemblies.staged():
                    self.publish(plan, staging)
                    done = "published" if self.official else "draft written"
                    self.progress.line(f"{plan.name}: {done} to {plan.final}")
                    written.append(plan.name)
        except KeyboardInterrupt:
            raise RenderInterrupted(written) from None
        except Exception as exc:
            from brief.engines import AssemblyError
            from brief.execute import NotebookFailed

            if isinstance(exc, NotebookFailed):  # keep that build folder for debugging
                keep |= {n for n, b in builds.items() if b in exc.kept_at.parents}
            if isinstance(exc, AssemblyError) and self.assembling:  # so is a failed assembly's
                keep.add(self.assembling)
            for name in keep:
                (builds[name] / KEEP_MARKER).write_text(str(exc) + "\n", encoding="utf-8")
            raise
        finally:
            for name, build in builds.items():
                if name not in keep:
                    shutil.rmtree(build, ignore_errors=True)
            self.progress.done()
        return [p.final for p in plans]


class Assemblies:
    """The editions' assemblies, each started as soon as its notebooks are executed (while
    other editions' notebooks still run) and handed over in plan order, the order editions
    are published in. An assembly needs only its build folder and what planning fixed (the
    previous edition included: editions are published one at a time), not another's
    result. An assembly already writes its formats at once, each keeping a core busy
    (pandoc, Typst), so `jobs` cores run jobs // formats assemblies at a time, at least one.
    The renderer's `assembling` names the edition whose assembly is awaited (a failure's)."""

    def __init__(self, renderer: Renderer, plans: list[EditionPlan], builds: dict[str, Path]):
        from brief.engines import FORMATS

        self.renderer, self.plans, self.builds = renderer, plans, builds
        workers = max(1, min(renderer.jobs // len(FORMATS), len(plans)))
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="brief-assembly")
        self.futures: dict[str, Future[Path]] = {}
        self.handed: set[str] = set()

    def start(self, plan: EditionPlan) -> None:
        self.futures[plan.name] = self.pool.submit(
            self.renderer.assemble, plan, self.builds[plan.name]
        )

    def staged(self) -> Iterator[tuple[EditionPlan, Path]]:
        """Each plan's staged edition, in plan order (every edition has been started)."""
        for plan in self.plans:
            self.renderer.assembling = plan.name
            staging = self.futures[plan.name].result()
            self.renderer.assembling = None
            self.handed.add(plan.name)
            yield plan, staging

    def __enter__(self) -> Assemblies:
        return self

    def __exit__(self, *exc: object) -> None:
        """Stopped early (a failure, an interrupt) or done: nothing more is staged or kept."""
        left = [f for name, f in self.futures.items() if name not in self.handed]
        for future in left:
            future.cancel()
        self.pool.shutdown(wait=True)
        for future in left:
            if future.done() and not future.cancelled() and future.exception() is None:
                shutil.rmtree(future.result(), ignore_errors=True)


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def document_title(document: Path) -> str:
    text = document.read_text(encoding="utf-8")
    if text.startswith("---"):
        front = text.split("\n---", 1)[0].removeprefix("---")
        try:
            from brief.engines.config import load_yaml

            meta = load_yaml(front) or {}
        except yaml.YAMLError:
            meta = {}
        if isinstance(meta, dict) and meta.get("title"):
            return str(meta["title"])
    return document.stem


def versions() -> dict[str, str]:
    from importlib import metadata  # (not imported by a render with nothing to assemble)

    found = {"python": sys.version.split()[0]}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        import pypandoc

        found["pandoc"] = pypandoc.get_pandoc_version()
    except (ImportError, OSError):
        found["pandoc"] = "not found"
    if "typst" in found:  # the compiler inside the wheel, beside the binding's own version
        from brief.engines.builtin import typst_version

        found["typst-py"], found["typst"] = found["typst"], typst_version()
    return found


def collect_facts(notebooks: list[Path]) -> dict[str, Any]:
    """Merge every facts bundle the notebooks emitted (top-level keys hold dicts)."""
    merged: dict[str, Any] = {}
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                bundle = output.get("data", {}).get(FACTS_MIME)
                if isinstance(bundle, str):
                    bundle = json.loads(bundle)
                for key, values in (bundle or {}).items():
                    merged.setdefault(key, {}).update(values)
    return merged


def _md(text: Any) -> str:
    from brief.editions.views import md_escape

    return md_escape(str(text))


def colophon_markdown(manifest: dict[str, Any], lang: str = "en") -> str:
    """What produced this edition, for the reader: parameters, data, code, engine, versions
    (in the edition's language: the machinery's words, brief.engines.languages)."""
    from brief.engines.languages import colophon_words

    w = colophon_words(lang)
    code = manifest["code"]
    commit = (code.get("commit") or w["unknown"])[:12]
    state = {True: w["dirty"], False: "", None: ""}[code.get("dirty")]
    defaults = set(manifest["params_default"])
    lines = [
        w["intro"].format(
            edition=_md(manifest["edition"]),
            built=_md(manifest["built"][:10]),
            engine=_md(manifest["engine"]["name"]),
            version=_md(manifest["engine"]["version"]),
            commit=commit,
            state=state,
        ),
        "",
        f"| {w['parameter']} | {w['value']} | |",
        "|:--|:--|:--|",
    ]
    for name, value in manifest["params"].items():
        kind = w["default"] if name in defaults else w["set"]
        lines.append(f"| {_md(name)} | {_md(value)} | {kind} |")
    lines += ["", f"| {w['data_file']} | {w['digest']} |", "|:--|:--|"]
    lines += [f"| {_md(path)} | `{digest[:16]}` |" for path, digest in manifest["data"].items()]
    shown = ", ".join(f"{_md(k)} {_md(v)}" for k, v in manifest["versions"].items())
    lines += ["", w["software"].format(shown=shown), ""]
    return "\n".join(lines)


def twin_name(
    project: Project, name: str, resolved: Resolved, lang: tuple[str, str] | None
) -> str | None:
    """The name of an edition's twin: the same parameters with the parameter model's other
    language, named as every edition is. None for an edition named by --edition (its
    twin's name is not derivable) or when the model lists no single other language."""
    from brief.editions.manifest import split_revision

    twin = _twin_language(project, lang)
    base, _ = split_revision(name)
    if twin is None or lang is None or base != edition_name(resolved, project.date_key):
        return None
    param = project.config["language_param"]
    values = {**resolved.values, param: twin}
    defaults = resolved.defaults - {param} | ({param} if twin == lang[1] else set())
    return edition_name(Resolved(values, frozenset(defaults)), project.date_key)


def _twin_language(project: Project, lang: tuple[str, str] | None) -> str | None:
    from brief.engines.languages import language_choices, twin_language

    param = project.config.get("language_param")
    if not param or lang is None:
        return None
    return twin_language(lang[0], language_choices(project.subject("params"), param))


def twin_metadata(project: Project, plan: EditionPlan) -> dict[str, str]:
    """The edition line's link to the twin, at `../<twin>/` (an official edition's twin is
    official beside it, a draft's the draft beside it). The twin is named from the
    parameters, so the link is known before the twin exists; when the twin already has
    official revisions, the link goes to the newest (a Korean edition published after an
    English correction links to the correction). The name is part of the edition's
    identity (`twin`), so its bytes depend on nothing unrecorded."""
    from brief.engines.languages import language_name

    name, twin = plan.identity.get("twin"), _twin_language(project, plan.lang)
    if not name or twin is None:
        return {}
    stem = project.document.stem  # each language's page keeps the default document's name
    return {
        "brief-twin": name,
        "brief-twin-html": f"../{name}/{stem}.html",
        "brief-twin-pdf": f"../{name}/{stem}.pdf",
        "brief-twin-lang": twin,
        "brief-twin-name": language_name(twin),
    }
