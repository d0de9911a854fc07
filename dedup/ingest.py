"""Ingestion: files and folders in, documents with pages and passages in the store.

Stages: ``discover`` the files, ``read_manifests`` for their metadata, ``parse`` each file (in
worker processes, both cores), then ``store.add_document`` one transaction per document. A file
that fails is reported and skipped; the others go on.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dedup.errors import DedupError, InputError, UnsupportedFormat
from dedup.limits import DEFAULT_LIMITS, MB, Limits, too_big
from dedup.models import SEGMENTER_VERSION, Metadata, PassageDraft
from dedup.read import SUPPORTED_SUFFIXES
from dedup.read.tables import TABLE_SUFFIXES, TableColumns, table_documents
from dedup.store import NewDocument, Store, file_hash, text_hash
from dedup.text import LONE_SURROGATE, year_of

DOCUMENT_SUFFIXES = set(SUPPORTED_SUFFIXES)
MANIFEST_NAME = "manifest.csv"

Status = Literal["added", "replaced", "unchanged", "updated", "failed", "skipped"]


@dataclass(frozen=True)
class FileResult:
    path: str
    status: Status
    message: str = ""
    doc_ids: tuple[str, ...] = ()
    passages: int = 0
    pages: int = 0


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)


@dataclass(frozen=True)
class Parsed:
    pages: dict[int, str]
    passages: list[PassageDraft]
    metadata: dict[str, str]
    page_count: int


# --- discovery and manifests ---------------------------------------------------------------------


def discover(paths: list[Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders (recursively) into supported files. Returns (files, problems) where problems
    are paths given that do not exist or name an unsupported file.

    Inside folders, hidden files, the manifest and README files (which describe the folder, they are
    not documents of it) are skipped; a file named explicitly is always read."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if not path.exists():
            problems.append(FileResult(str(path), "failed", "no such file or folder; check the path"))
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts):
                    if (
                        p.name != MANIFEST_NAME
                        and not p.stem.upper().startswith("README")
                        and p.suffix.lower() in DOCUMENT_SUFFIXES | TABLE_SUFFIXES
                    ):
                        files.append(p)
        elif path.suffix.lower() in DOCUMENT_SUFFIXES | TABLE_SUFFIXES:
            files.append(path)
        else:
            problems.append(
                FileResult(
                    str(path),
                    "failed",
                    f"unsupported file type '{path.suffix or path.name}'; dedup reads "
                    ".pdf .docx .html .txt .md, and tables .csv .jsonl",
                )
            )
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values()), problems


def read_manifest(path: Path) -> dict[str, Metadata]:
    """``file,title,organisation,year`` rows keyed by file name (and by relative path)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read manifest ({exc}); save it as UTF-8 CSV") from exc
    reader = csv.DictReader(io.StringIO(text))
    cols = {c.lower().strip(): c for c in (reader.fieldnames or [])}
    if "file" not in cols:
        raise InputError(str(path), "manifest has no 'file' column; columns must be file,title,organisation,year")
    org_col = cols.get("organisation") or cols.get("organization") or cols.get("org")
    out: dict[str, Metadata] = {}
    for row in reader:
        name = (row.get(cols["file"]) or "").strip()
        if not name:
            continue
        out[name] = Metadata(
            title=(row.get(cols["title"]) or "").strip() or None if "title" in cols else None,
            organisation=(row.get(org_col) or "").strip() or None if org_col else None,
            year=year_of(row.get(cols["year"])) if "year" in cols else None,
        )
    return out


def manifest_for(file: Path, explicit: Path | None, cache: dict[Path, dict[str, Metadata]]) -> Metadata | None:
    """The manifest row for a file: from ``--manifest`` or the nearest manifest.csv above it."""
    candidates = [explicit] if explicit else [d / MANIFEST_NAME for d in [file.parent, *file.parent.parents]]
    for m in candidates:
        if m is None or not m.exists():
            continue
        if m not in cache:
            cache[m] = read_manifest(m)
        rows = cache[m]
        try:
            rel = file.resolve().relative_to(m.parent.resolve()).as_posix()
        except ValueError:
            rel = file.name
        hit = rows.get(rel) or rows.get(file.name)
        if hit is not None or explicit:
            return hit
    return None


# --- parsing (runs in worker processes) -----------------------------------------------------------


def parse_blocks(blocks: list, page_count: int, metadata: dict[str, str]) -> Parsed:
    from dedup.segment import page_texts, segment

    return Parsed(pages=page_texts(blocks), passages=segment(blocks), metadata=metadata, page_count=page_count)


def parse_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Extract and segment one document file. Raises InputError with a one-line reason."""
    from dedup.read import extract

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(str(path), "no such file; check the path") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror or exc}); check its permissions") from None
    if path.is_dir():
        raise InputError(str(path), "is a folder; give one document file")
    if size == 0:
        raise InputError(str(path), "file is empty (0 bytes); re-export or re-download it")
    extracted = extract(path, limits)
    parsed = parse_blocks(extracted.blocks, extracted.page_count, extracted.metadata)
    if not parsed.passages:
        raise InputError(str(path), "no text found in the file; check it opens and has text (scans need OCR first)")
    if len(parsed.passages) > limits.max_passages:
        raise InputError(
            str(path), too_big("has", len(parsed.passages), limits.max_passages, "passages", "--max-passages")
        )
    return parsed


def _parse_worker(path: str, limits: Limits = DEFAULT_LIMITS) -> Parsed | InputError:
    try:
        return parse_file(Path(path), limits)
    except InputError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
        return InputError(path, f"could not be read ({type(exc).__name__}: {exc}); check the file opens elsewhere")


# --- the pipeline --------------------------------------------------------------------------------

ProgressFn = Callable[[FileResult], None]


def _resolve(
    store: Store, given: Metadata, manifest: Metadata | None, found: dict[str, str], filename: str
) -> Metadata:
    """Metadata by precedence: command-line options, manifest, file metadata, a year in the filename."""
    m = manifest or Metadata()
    title = given.title or m.title or (found.get("title") or "").strip() or None
    org = store.normalise_org(given.organisation or m.organisation)
    year = given.year or m.year or year_of(filename) or year_of(found.get("year"))
    return Metadata(title=title, organisation=org, year=year)


def ingest(
    store: Store,
    paths: list[Path],
    *,
    manifest: Path | None = None,
    metadata: Metadata | None = None,
    columns: TableColumns | None = None,
    workers: int | None = None,
    on_result: ProgressFn | None = None,
    on_total: Callable[[int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> IngestReport:
    """Ingest files and folders into ``store``. Unchanged files (same bytes, same metadata) do no work."""
    given = metadata or Metadata()
    columns = columns or TableColumns()
    report = IngestReport()

    def done(result: FileResult) -> None:
        report.results.append(result)
        if on_result:
            on_result(result)

    if manifest is not None and not manifest.is_file():
        raise InputError(str(manifest), "manifest not found; check the --manifest path")
    files, problems = discover(paths)
    if on_total:
        on_total(len(files) + len(problems))
    for p in problems:
        done(p)
    manifests: dict[Path, dict[str, Metadata]] = {}
    to_parse: list[tuple[Path, str, Metadata | None]] = []
    for f in files:
        try:
            mrow = manifest_for(f, manifest, manifests)
            if f.suffix.lower() in TABLE_SUFFIXES:
                done(_ingest_table(store, f, columns, given, mrow, limits))
                continue
            size = f.stat().st_size
            if size == 0:
                raise InputError(str(f), "file is empty (0 bytes); re-export or re-download it")
            if size > limits.max_bytes:
                raise InputError(str(f), too_big("is", size / MB, limits.max_file_mb, "MB", "--max-file-mb"))
            digest = file_hash(f)
        except DedupError as exc:
            done(FileResult(str(f), "failed", _reason(exc)))
            continue
        except OSError as exc:
            done(FileResult(str(f), "failed", f"cannot be read ({exc.strerror}); check its permissions"))
            continue
        source = str(f.resolve())
        old = store.find_by_source(source)
        if old is not None and old["content_hash"] == digest and old["segmenter"] >= SEGMENTER_VERSION:
            meta = _resolve(store, given, mrow, {}, f.name)
            changed = _merge_known(old, meta)
            if changed != Metadata(old["title"], old["organisation"], old["year"]):
                store.update_metadata(old["id"], changed.title, changed.organisation, changed.year)
                done(FileResult(str(f), "updated", "metadata updated", (old["id"],)))
            else:
                done(FileResult(str(f), "unchanged", "", (old["id"],)))
            continue
        to_parse.append((f, digest, mrow))

    for f, digest, mrow, parsed in _parse_all([t[0] for t in to_parse], to_parse, workers, limits):
        if isinstance(parsed, InputError):
            done(FileResult(str(f), "failed", _reason(parsed)))
            continue
        source = str(f.resolve())
        old = store.find_by_source(source)
        meta = _resolve(store, given, mrow, parsed.metadata, f.name)
        if old is not None:  # a new version keeps what was known of the old one unless told otherwise
            meta = _merge_known(old, meta)
        doc_id = old["id"] if old is not None else store.unique_id(f.stem, source)
        fmt = "html" if f.suffix.lower() == ".htm" else f.suffix.lower().lstrip(".")
        _write(store, doc_id, source, digest, meta, fmt, _valid_text(parsed))
        recut = old is not None and old["content_hash"] == digest
        done(
            FileResult(
                str(f),
                "replaced" if old is not None else "added",
                "cut again by the current passage rules" if recut else "",
                (doc_id,),
                len(parsed.passages),
                parsed.page_count,
            )
        )
    return report


def _valid_text(parsed: Parsed) -> Parsed:
    """``parsed`` with any lone surrogate (which no UTF-8 file can hold; a damaged PDF text layer can
    yield one) replaced by U+FFFD, so storing and printing it never fails."""
    if not any(LONE_SURROGATE.search(p.text) for p in parsed.passages) and not any(
        LONE_SURROGATE.search(t) for t in parsed.pages.values()
    ):
        return parsed
    fix = functools.partial(LONE_SURROGATE.sub, "\ufffd")
    return dataclasses.replace(
        parsed,
        pages={n: fix(t) for n, t in parsed.pages.items()},
        passages=[dataclasses.replace(p, text=fix(p.text), heading=fix(p.heading)) for p in parsed.passages],
        metadata={k: fix(v) for k, v in parsed.metadata.items()},
    )


def _write(store: Store, doc_id: str, source: str, digest: str, meta: Metadata, fmt: str, parsed: Parsed) -> None:
    """Store one parsed document (replacing an earlier version from the same source)."""
    store.add_document(
        NewDocument(
            id=doc_id,
            source=source,
            content_hash=digest,
            title=meta.title,
            organisation=meta.organisation,
            year=meta.year,
            format=fmt,
            pages=parsed.pages,
            passages=parsed.passages,
        )
    )


def _merge_known(old: object, meta: Metadata) -> Metadata:
    """Metadata for an unchanged file: what is given now, else what the store already had."""
    row = old  # sqlite3.Row
    return Metadata(
        title=meta.title or row["title"],  # type: ignore[index]
        organisation=meta.organisation or row["organisation"],  # type: ignore[index]
        year=meta.year or row["year"],  # type: ignore[index]
    )


def _parse_all(
    paths: list[Path], items: list[tuple[Path, str, Metadata | None]], workers: int | None, limits: Limits
) -> Iterator[tuple[Path, str, Metadata | None, Parsed | InputError]]:
    """Parse files in order, in parallel worker processes when there are several."""
    n = workers if workers is not None else min(len(paths), os.cpu_count() or 1)
    if n <= 1 or len(paths) <= 1:
        for f, digest, mrow in items:
            yield f, digest, mrow, _parse_worker(str(f), limits)
        return
    pool = ProcessPoolExecutor(max_workers=n, initializer=_worker_init, initargs=(os.getpid(),))
    try:
        # Largest files first keeps both workers busy to the end; results are yielded as submitted.
        futures: dict[Path, Future[Parsed | InputError]] = {}
        for f, _, _ in sorted(items, key=lambda t: -t[0].stat().st_size):
            futures[f] = pool.submit(_parse_worker, str(f), limits)
        for f, digest, mrow in items:
            yield f, digest, mrow, futures[f].result()
    except BaseException:  # Ctrl-C, an error, or the consumer gone: stop the workers now, not after their files
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _worker_init(parent: int) -> None:
    """A parse worker: Ctrl-C is the parent's to handle (it stops the workers at once), and a worker
    whose parent died (kill -9) exits instead of living on."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: the kernel kills the worker when the parent dies
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _ingest_table(
    store: Store,
    path: Path,
    cols: TableColumns,
    given: Metadata,
    mrow: Metadata | None,
    limits: Limits = DEFAULT_LIMITS,
) -> FileResult:
    """Each row of a table becomes one document; rows that vanished from the table are removed."""
    base = str(path.resolve())
    rows = list(table_documents(path, cols, limits))
    added = replaced = unchanged = passages = 0
    ids: list[str] = []
    empty: list[str] = []
    for row_id, text, row_meta in rows:
        source = f"{base}#{row_id}"
        meta = Metadata(
            title=given.title or row_meta.title or (mrow.title if mrow else None),
            organisation=store.normalise_org(
                given.organisation or row_meta.organisation or (mrow.organisation if mrow else None)
            ),
            year=given.year or row_meta.year or (mrow.year if mrow else None),
        )
        digest = text_hash(json.dumps([text, meta.title, meta.organisation, meta.year]))
        old = store.find_by_source(source)
        if old is not None and old["content_hash"] == digest and old["segmenter"] >= SEGMENTER_VERSION:
            unchanged += 1
            ids.append(old["id"])
            continue
        if not text:
            empty.append(row_id)
            continue
        from dedup.read.docs import blocks_from_text

        parsed = parse_blocks(blocks_from_text(text), 1, {})
        doc_id = old["id"] if old is not None else store.unique_id(row_id, source)
        _write(store, doc_id, source, digest, meta, path.suffix.lower().lstrip("."), parsed)
        ids.append(doc_id)
        passages += len(parsed.passages)
        if old is None:
            added += 1
        else:
            replaced += 1
    keep = {f"{base}#{r[0]}" for r in rows}
    gone = [
        r["id"] for r in store.iter_documents_raw() if r["source"].startswith(base + "#") and r["source"] not in keep
    ]
    for doc_id in gone:
        store.remove_document(doc_id)
    status: Status = "unchanged" if added == replaced == 0 and not gone else "added" if replaced == 0 else "replaced"
    msg = f"{len(rows)} rows: {added} added, {replaced} replaced, {unchanged} unchanged" + (
        f", {len(gone)} removed" if gone else ""
    )
    if empty:
        shown = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
        msg += f"; {len(empty)} rows with no text skipped ({shown})"
    return FileResult(str(path), status, msg, tuple(ids), passages, 0)


def _reason(exc: DedupError) -> str:
    if isinstance(exc, InputError):
        return exc.message
    return str(exc)


__all__ = [
    "FileResult",
    "IngestReport",
    "Metadata",
    "TableColumns",
    "UnsupportedFormat",
    "discover",
    "ingest",
    "parse_file",
    "read_manifest",
    "year_of",
]
