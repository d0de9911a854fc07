"""A corpus of documents in one store, with the model its vectors were made with: the library's
front door (``from dedup import Corpus``), and what every command of the CLI calls.

The store is opened when first needed and the model loaded only when new text must be embedded:
queries over stored vectors (links, recurring, the report) read the store's record of its model
instead. Indexing happens by itself before any query, so results are never silently empty.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from dedup.errors import DedupError, Interrupted
from dedup.limits import DEFAULT_LIMITS, Limits
from dedup.models import Metadata
from dedup.text import YEARS_OPTION

if TYPE_CHECKING:
    from dedup.draft import DraftCheck
    from dedup.embed import Embedder, ProgressFn, VectorSpace
    from dedup.index import IndexStats
    from dedup.ingest import FileResult, IngestReport, TableColumns
    from dedup.links import OrgMatrix, Overlap, TextComparison
    from dedup.models import Document, Link, LinkType, Verdict
    from dedup.recurring import Cluster
    from dedup.store import Store

PathLike = str | Path

#: The report's overlap table: at most this many document pairs, each sharing at least this share.
REPORT_OVERLAPS = 40
REPORT_MIN_OVERLAP = 0.05
LABELS = ("recurring", "duplicated-effort")


@dataclass(frozen=True)
class Organisation:
    """An organisation named in the store: the parent it belongs to, the top body it counts as, who
    decided that (``"you"`` with `dedup org`, ``"name"`` when its name says so, else None), and how
    many documents it or its units wrote."""

    organisation: str
    parent: str | None
    body: str | None
    set_by: str | None
    documents: int


@dataclass(frozen=True)
class ReportSummary:
    """Counts over every recurring recommendation, whatever the report's limit: clusters, those
    labelled ``recurring``, those across organisations, those labelled ``duplicated-effort``, the
    clusters that only share a theme, and the bodies that wrote the documents."""

    clusters: int
    recurring: int
    across: int
    duplicated: int
    theme_only: int
    organisations: int


@dataclass(frozen=True)
class Report:
    """What ``dedup report`` shows (:meth:`Corpus.report`)."""

    generated: datetime
    store: Path
    documents: list[Document]
    summary: ReportSummary
    clusters: list[Cluster]  # the recurring recommendations shown, most repeated first
    org_matrix: OrgMatrix
    overlaps: list[Overlap]  # the document pairs repeating each other most


def _paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def parse_years(years: str | tuple[int | None, int | None] | None) -> tuple[int | None, int | None]:
    """``"2015-2020"``, ``"2015"``, ``"2015-"``, ``"-2020"`` or a (first, last) pair as a (first, last) pair."""
    if years is None or years == "":
        return None, None
    if not isinstance(years, str):
        lo, hi = years
    else:
        m = YEARS_OPTION.fullmatch(years)
        if not m or not (m.group(1) or m.group(2)):
            raise DedupError(f"--years takes a year or a range like 2015-2020, not {years!r}")
        lo = int(m.group(1)) if m.group(1) else None
        ranged = any(sep in years for sep in ("-", "..", ":"))
        hi = int(m.group(2)) if m.group(2) else (lo if not ranged else None)
    if lo is not None and hi is not None and lo > hi:
        raise DedupError(f"--years {lo}-{hi}: the first year comes after the last; write {hi}-{lo}")
    return lo, hi


def link_types(types: Iterable[str] | None) -> list[LinkType]:
    """The link types asked for (all when None), each checked."""
    from dedup.models import LINK_TYPES

    wanted = list(types) if types else list(LINK_TYPES)
    bad = [t for t in wanted if t not in LINK_TYPES]
    if bad:
        raise DedupError(f"unknown link type {bad[0]!r}; use one of: {', '.join(LINK_TYPES)}")
    return [t for t in LINK_TYPES if t in wanted]


def read_side(value: str | Path) -> tuple[list[str], str]:
    """Passages of one side of a comparison: a file's passages, or the text itself as one passage;
    with the file's name, or ``"text"``."""
    from dedup.ingest import DOCUMENT_SUFFIXES, parse_file

    if isinstance(value, Path):
        if not value.is_file():
            raise DedupError(f"{value}: no such file; check the path")
        return [p.text for p in parse_file(value).passages], value.name
    if not value.strip():
        raise DedupError("an empty text cannot be compared; give some text or a file")
    path = Path(value)
    looks_like_file = len(value) < 1024 and "\n" not in value and path.suffix.lower() in DOCUMENT_SUFFIXES
    if looks_like_file and not path.exists():
        raise DedupError(f"{value}: no such file; check the path (or quote a sentence to compare it as text)")
    if len(value) < 1024 and path.suffix and path.is_file():
        return [p.text for p in parse_file(path).passages], path.name
    return [value], "text"


def read_pairs(path: PathLike) -> list[dict[str, str]]:
    """Rows of a CSV of pairs to judge (columns id,a,b), in file order."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"id", "a", "b"} - set(reader.fieldnames or [])
            if missing:
                raise DedupError(f"{path}: needs columns id,a,b; missing {', '.join(sorted(missing))}")
            return [{"id": r["id"], "a": r["a"] or "", "b": r["b"] or ""} for r in reader]
    except OSError as exc:
        raise DedupError(f"{path}: cannot be read ({exc.strerror})") from None


class Corpus:
    """The documents of one store and the model their vectors were made with.

    ``path`` is the store (default: ``indexes/dedup.db``, or ``DEDUP_STORE``). ``model`` is a
    sentence-transformers folder, a name registered with :func:`dedup.embed.register_embedder` (the
    tests' ``"hashing"``), an embedder object, or None for the model the store records (else the
    packaged all-MiniLM-L6-v2). ``create=False`` refuses a store that does not exist yet. ``on_model_load`` is called with the model's name just before it is loaded (a
    program can say "loading..."). Use as a context manager, or call :meth:`close`.

    Queries index once per object, and again after its own ``add`` or ``remove``; after another
    program adds documents to the same store, call :meth:`index` (or open a new Corpus).
    """

    def __init__(
        self,
        path: PathLike | None = None,
        model: str | Path | Embedder | None = None,
        *,
        create: bool = True,
        on_model_load: Callable[[str], None] | None = None,
        device: str | None = None,
    ) -> None:
        """``device``: where the model embeds and candidate search runs: ``auto`` (None: a CUDA device
        when there is one), ``cpu`` or ``cuda``."""
        from dedup.match import set_device
        from dedup.store import default_store_path

        set_device(device)
        self._device = device
        self.path = Path(path) if path is not None else default_store_path()
        self._model = model
        self._create = create
        self._on_model_load = on_model_load
        self._store: Store | None = None
        self._embedder: Embedder | None = model if not isinstance(model, str | Path | None) else None
        self._indexed = False  # index() ran since this object last wrote

    # -- lifecycle

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __repr__(self) -> str:
        return f"Corpus({str(self.path)!r})"

    @property
    def store(self) -> Store:
        """The store, opened on first use."""
        if self._store is None:
            from dedup.store import Store

            self._store = Store(self.path, create=self._create)
        return self._store

    # -- the model

    def _recorded(self) -> str | None:
        """The store's model, read without creating a store that does not exist."""
        if self._store is None and not self.path.exists():
            return None
        return self.store.get_meta("model")

    def model_name(self) -> str:
        """The name the model's vectors are recorded under, without loading it."""
        from dedup.embed import named_embedder

        model = self._model
        if self._embedder is not None:
            return self._embedder.name
        if model is None:
            from dedup.embed import default_model_name

            return self._recorded() or default_model_name(self._device)
        text = str(model)
        factory = named_embedder(text)
        if factory is not None:
            return factory(text).name
        from dedup.embed import PACKAGED_NAMES

        return text if text in PACKAGED_NAMES else str(Path(text).resolve())

    @property
    def embedder(self) -> Embedder:
        """The model, loaded on first use (seconds for the real one)."""
        if self._embedder is None:
            from dedup.embed import DEFAULT_MODEL_NAME, load_embedder

            chosen = str(self._model) if self._model is not None else self._recorded()
            if self._on_model_load is not None:
                self._on_model_load(chosen or DEFAULT_MODEL_NAME)
            # a store recorded with the PyTorch model keeps it; a new one takes the default (ONNX when installed)
            self._embedder = load_embedder(chosen, device=self._device)
        return self._embedder

    @property
    def model_loaded(self) -> bool:
        return self._embedder is not None

    def _space(self) -> VectorSpace | None:
        """What reading the stored vectors needs, the index brought up to date first: the loaded
        model, else the store's record (None when nothing was embedded)."""
        from dedup.index import stored_model

        if not self._indexed:
            self.index()
        return self._embedder if self._embedder is not None else stored_model(self.store)

    # -- writing

    def add(
        self,
        paths: PathLike | Iterable[PathLike],
        *,
        manifest: PathLike | None = None,
        title: str | None = None,
        organisation: str | None = None,
        year: int | None = None,
        columns: TableColumns | None = None,
        limits: Limits = DEFAULT_LIMITS,
        on_result: Callable[[FileResult], None] | None = None,
        on_total: Callable[[int], None] | None = None,
    ) -> IngestReport:
        """Read files and folders (searched recursively) into the store; unchanged files do no work.
        Metadata comes from ``manifest`` (or a manifest.csv beside the files), else the arguments.
        Files that cannot be read are in the report's ``failed``; the others are added. Stopped with
        Ctrl-C, it raises :class:`~dedup.errors.Interrupted` saying what was kept."""
        from dedup.ingest import ingest as run_ingest

        self._indexed = False
        files = _paths(paths)
        if title and len(files) > 1:
            raise DedupError("--title names one document: give a single file with it")
        seen: list[FileResult] = []

        def done(result: FileResult) -> None:
            seen.append(result)
            if on_result is not None:
                on_result(result)

        try:
            return run_ingest(
                self.store,
                files,
                manifest=Path(manifest) if manifest is not None else None,
                metadata=Metadata(title=title, organisation=organisation, year=year),
                columns=columns,
                limits=limits,
                on_result=done,
                on_total=on_total,
            )
        except KeyboardInterrupt:
            stored = sum(1 for r in seen if r.status in ("added", "replaced", "updated"))
            raise Interrupted(
                f"ingest stopped after {len(seen)} files; the {stored} files added or replaced are kept whole "
                "(a file being written was not): run the same command again to continue"
            ) from None

    def remove(self, ref: str) -> Document:
        """Take a document (id, path or file name) out of the store and its index."""
        from dedup.index import sync_index

        self._indexed = False
        removed = self.store.remove_document(ref)
        if self.store.index_path.exists():
            sync_index(self.store)
        return removed

    def index(
        self, *, reindex: bool = False, progress: ProgressFn | None = None, on_total: ProgressFn | None = None
    ) -> IndexStats | None:
        """Embed passages that have no vector yet and bring the index up to date. The model is loaded
        only when there is text to embed (or ``reindex`` drops every vector). None for an empty store."""
        from dedup.index import ensure_index, stored_model, sync_index
        from dedup.index import reindex as run_reindex

        stats: IndexStats | None
        if reindex:
            stats = run_reindex(self.store, self.embedder, progress=progress, on_total=on_total)
        else:
            recorded = stored_model(self.store)
            if recorded is not None and recorded.name == self.model_name():
                fresh = not self.store.missing_embeddings(recorded.name)
            else:
                fresh = recorded is None and self.store.passage_count() == 0  # nothing to embed
            if fresh:
                stats = sync_index(self.store)
            else:
                stats = ensure_index(self.store, self.embedder, progress=progress, on_total=on_total)
        self._indexed = True
        return stats

    # -- organisations

    def organisations(self, name: str | None = None) -> list[Organisation]:
        """Every organisation in the store, or ``name`` and its units, with the body each counts as."""
        from dedup.store import org_key

        store = self.store
        user = store.user_parents()
        names = store.organisations()
        if name is not None:
            names = [n for n in names if store.within(n, name) or org_key(n) == org_key(name)]
            if not names:
                near = store.nearest_organisations(name)
                raise DedupError(
                    f"no organisation '{name}' in the store" + (f"; nearest: {', '.join(near)}" if near else "")
                )
        docs = store.documents()
        rows = []
        for n in names:
            parent = store.parent_of(n)
            rows.append(
                Organisation(
                    organisation=n,
                    parent=parent,
                    body=store.body_of(n),
                    set_by="you" if user.get(org_key(n)) is not None else ("name" if parent else None),
                    documents=sum(1 for d in docs if d.organisation and store.within(d.organisation, n)),
                )
            )
        return rows

    def set_parent(self, unit: str, parent: str | None) -> str | None:
        """Make ``unit`` roll up to ``parent`` (None: a body of its own, whatever its name says); the
        body it now counts as."""
        self.store.set_parent(unit, parent)
        return self.store.body_of(unit)

    def forget_parent(self, unit: str) -> str | None:
        """Drop your setting for ``unit``, so its name decides again; the body it now counts as."""
        if not self.store.forget_parent(unit):
            raise DedupError(f"you set nothing for '{unit}'; `dedup org` lists the organisations")
        return self.store.body_of(unit)

    def aliases(self) -> dict[str, str]:
        """Variant spellings (folded) and the organisation each counts as, built-in ones included."""
        return self.store.aliases()

    def add_alias(self, alias: str, canonical: str) -> None:
        """Count ``alias`` as ``canonical``; documents already stored under the alias follow it."""
        if not alias.strip() or not canonical.strip():
            raise DedupError("give both the alias and the canonical name: dedup alias ALIAS CANONICAL")
        self.store.add_alias(alias, canonical)

    def remove_alias(self, alias: str) -> None:
        if not self.store.remove_alias(alias):
            raise DedupError(f"'{alias}' is not one of your aliases; `dedup alias` lists them")

    # -- reading

    def documents(self) -> list[Document]:
        return self.store.documents()

    def links(
        self,
        *,
        types: Iterable[str] | None = None,
        min_score: float = 0.0,
        documents: Sequence[str] | None = None,
        recommendations: bool = False,
    ) -> list[Link]:
        """Cross-document links, best first: passages that say the same thing (``a`` the earlier)."""
        from dedup.links import find_links

        wanted = link_types(types)
        space = self._space()
        if space is None:
            return []
        return find_links(
            self.store,
            space,
            kind="recommendation" if recommendations else None,
            types=wanted,
            min_score=min_score,
            documents=documents,
        )

    def overlaps(self, links: Iterable[Link] | None = None) -> list[Overlap]:
        """Document pairs ranked by how much of either is repeated in the other (from ``links``, or
        all links)."""
        from dedup.links import document_overlaps

        found = self.links() if links is None else links
        return document_overlaps(found, self.documents())

    def recurring(
        self,
        *,
        all_passages: bool = False,
        organisation: str | None = None,
        years: str | tuple[int | None, int | None] | None = None,
        min_documents: int = 2,
        threshold: float | None = None,
        themes: bool = False,
        label: str | None = None,
        units: bool = False,
    ) -> list[Cluster]:
        """Recommendations made again and again, most repeated first. ``themes`` also gives clusters
        whose passages only share a theme (fewer than ``min_documents`` documents say the same thing);
        ``label`` keeps ``recurring`` or ``duplicated-effort`` ones; ``units`` counts an
        organisation's units as bodies of their own."""
        from dedup.recurring import find_recurring

        if threshold is not None and not math.isfinite(threshold):
            raise DedupError("--threshold must be a finite number, e.g. 0.16")
        if label is not None and label not in LABELS:
            raise DedupError(f"--label takes recurring or duplicated-effort, not {label!r}")
        if min_documents < 2:
            raise DedupError("--min-documents must be at least 2: a recommendation recurs in two documents or more")
        span = parse_years(years)
        store = self.store
        if organisation is not None and not any(store.within(o, organisation) for o in store.organisations()):
            near = store.nearest_organisations(organisation)
            hint = f"; nearest: {', '.join(near)}" if near else "; `dedup org` lists them"
            raise DedupError(f"no organisation '{organisation}' in the store{hint}")
        space = self._space()
        if space is None:
            return []
        clusters = find_recurring(
            store,
            space,
            all_passages=all_passages,
            organisation=organisation,
            years=span,
            min_documents=min_documents,
            threshold=threshold,
            roll_up=not units,
        )
        if not themes:  # they sort last, so the ids of the others stay 1, 2, 3 ...
            clusters = [c for c in clusters if c.documents >= min_documents]
        if label is not None:
            clusters = [c for c in clusters if label in c.labels]
        return clusters

    def check(
        self, draft: PathLike, *, add: bool = False, include_self: bool = False, limits: Limits = DEFAULT_LIMITS
    ) -> DraftCheck:
        """Which of a draft's passages were said before, where and how often. The draft is not
        stored unless ``add``; a draft already in the store, and its versions, are left out of the
        matches unless ``include_self`` (``in_store`` and ``excluded`` of the result say so)."""
        from dedup.draft import check_draft

        self._space()  # indexed first
        result = check_draft(self.store, self.embedder, Path(draft), limits=limits, include_self=include_self)
        if add:
            self.add([draft], limits=limits)
            self.index()
        return result

    def compare(self, a: str | Path, b: str | Path) -> Verdict | TextComparison:
        """The engine's judgement of two texts (a :class:`Verdict`), or, when either is a file of
        several passages, each passage of ``a`` with its best match in ``b``. A ``str`` naming an
        existing file is read as that file; a :class:`Path` always is."""
        from dedup.links import compare_passages
        from dedup.match import compare as judge

        (pa, name_a), (pb, name_b) = read_side(a), read_side(b)
        if len(pa) == 1 and len(pb) == 1:
            return judge(pa[0], pb[0], self.embedder)
        result = compare_passages(pa, pb, self.embedder)
        return type(result)(result.passages_a, result.passages_b, result.matches, name_a, name_b)

    def compare_pairs(self, pairs: Sequence[tuple[str, str]]) -> list[Verdict]:
        """The engine's judgement of each (a, b) pair, in order."""
        from dedup.match import verdicts

        texts_a, texts_b = [a for a, _ in pairs], [b for _, b in pairs]
        va, vb = self.embedder.embed(texts_a), self.embedder.embed(texts_b)
        return verdicts(list(zip(texts_a, texts_b, strict=True)), (va * vb).sum(axis=1))

    def report(self, *, all_passages: bool = False, min_documents: int = 2, limit: int = 50) -> Report:
        """What the HTML report shows: the documents, a summary, the recurring recommendations (at most
        ``limit``; 0 for all), which organisation repeats which, and the documents that repeat each
        other most."""
        from dedup.links import document_overlaps, organisation_matrix

        found = self.links()
        every = self.recurring(all_passages=all_passages, min_documents=min_documents, themes=True)
        clusters = [c for c in every if c.documents >= min_documents]  # the rest only share a theme
        store = self.store
        documents = store.documents()
        return Report(
            generated=datetime.now(),
            store=store.path,
            documents=documents,
            summary=ReportSummary(
                clusters=len(clusters),
                recurring=sum(1 for c in clusters if "recurring" in c.labels),
                across=sum(1 for c in clusters if c.scope == "across-organisations"),
                duplicated=sum(1 for c in clusters if "duplicated-effort" in c.labels),
                theme_only=len(every) - len(clusters),
                organisations=len(
                    {part.strip() for d in documents for part in (store.body_of(d.organisation) or "").split(";")}
                    - {""}
                ),
            ),
            clusters=clusters[:limit] if limit else clusters,
            org_matrix=organisation_matrix(found, store.body_of),
            overlaps=[
                o for o in document_overlaps(found, documents)[:REPORT_OVERLAPS] if o.score >= REPORT_MIN_OVERLAP
            ],
        )
