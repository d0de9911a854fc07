"""The store: one SQLite file holding documents, pages, passages and cached embeddings.

The schema is built by numbered migrations; a store made by an older version is upgraded in place,
never silently recreated. Every change to one document happens in one transaction, so a run that is
killed part-way leaves the store as it was before that document.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup.errors import NotFound, StoreError
from dedup.models import SEGMENTER_VERSION, Document, Passage, PassageDraft
from dedup.text import fold

DEFAULT_STORE = Path("indexes") / "dedup.db"


def lock_timeout() -> float:
    """How long to wait for another process's write lock (DEDUP_LOCK_TIMEOUT seconds, default 30)."""
    try:
        return max(0.0, float(os.environ.get("DEDUP_LOCK_TIMEOUT", "30")))
    except ValueError:
        return 30.0


def store_error(exc: sqlite3.Error, path: Path | str) -> StoreError:
    """One line for an SQLite error on the store: what happened and what to do."""
    msg = str(exc).lower()
    if "readonly" in msg or "read-only" in msg:
        why = "is read-only (check the permissions of the file and its folder), so nothing was written"
        return StoreError(f"{path} {why}; make it writable, or copy it and pass --store COPY")
    if "disk is full" in msg or "disk full" in msg or "no space" in msg:
        return StoreError(
            f"the disk holding {path} is full; the store keeps its last complete state: free some space and run again"
        )
    if "malformed" in msg or "not a database" in msg or "corrupt" in msg:
        return StoreError(f"{path} is damaged ({exc}); restore it from a backup, or ingest into a new --store")
    if "locked" in msg or "busy" in msg:
        return StoreError(
            f"{path} is locked by another program for over {lock_timeout():.0f} s; wait for it to finish and run again"
        )
    if "unable to open" in msg or "disk i/o" in msg:
        return StoreError(f"{path} cannot be opened or read ({exc}); check the disk and the file's permissions")
    return StoreError(f"{path}: the store failed ({exc}); nothing more was written")


def default_store_path() -> Path:
    env = os.environ.get("DEDUP_STORE")
    return Path(env) if env else DEFAULT_STORE


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- migrations -------------------------------------------------------------------------------


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Run statements one by one inside the caller's transaction (executescript would commit it)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def m001_initial(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            title TEXT,
            organisation TEXT,
            year INTEGER,
            format TEXT NOT NULL,
            page_count INTEGER NOT NULL DEFAULT 0,
            ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE pages (
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (doc_id, number)
        );
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            page INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,
            heading TEXT NOT NULL DEFAULT '',
            text_hash TEXT NOT NULL
        );
        CREATE INDEX passages_doc ON passages(doc_id, seq);
        CREATE INDEX passages_hash ON passages(text_hash);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def m002_embeddings(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, text_hash)
        );
        """,
    )


def m003_org_aliases(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE org_aliases (
            alias_key TEXT PRIMARY KEY,
            canonical TEXT NOT NULL
        );
        """,
    )


def m004_org_parents(db: sqlite3.Connection) -> None:
    _run_script(
        db,
        """
        CREATE TABLE org_parents (
            unit_key TEXT PRIMARY KEY,
            unit TEXT NOT NULL,
            parent TEXT
        );
        """,
    )


def m005_page_end_label(db: sqlite3.Connection) -> None:
    """Passages that run over a page break record their last page (NULL: the passage is on one page),
    passages their numbered label ("Recommendation 4"), documents the passage rules they were cut by."""
    _run_script(
        db,
        "ALTER TABLE passages ADD COLUMN page_end INTEGER;"
        "ALTER TABLE passages ADD COLUMN label TEXT NOT NULL DEFAULT '';"
        # the passage rules each document was cut by (1: before this migration); see SEGMENTER_VERSION
        "ALTER TABLE documents ADD COLUMN segmenter INTEGER NOT NULL DEFAULT 1",
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial,
    m002_embeddings,
    m003_org_aliases,
    m004_org_parents,
    m005_page_end_label,
]

# Aliases every store starts with; users extend them with `dedup alias ALIAS CANONICAL`.
BUILTIN_ALIASES = {
    "nhse": "NHS England",
    "nhs england": "NHS England",
    "nhs england and nhs improvement": "NHS England",
    "nhsei": "NHS England",
    "dhsc": "Department of Health and Social Care",
    "department of health": "Department of Health and Social Care",
    "phe": "Public Health England",
    "ohid": "Office for Health Improvement and Disparities",
    "cqc": "Care Quality Commission",
    "wscc": "West Sussex County Council",
}


_ORG_WORDS = {"dept": "department", "center": "centre", "organization": "organisation", "ctr": "centre"}


def org_key(name: str) -> str:
    """The comparison key of an organisation name.

    Folds case, punctuation, '&', a leading 'The', a trailing '(charity)'-style note, common
    abbreviations and US spellings ('Dept.', 'Center'), and an 'NHS' word inside a longer name
    ('Eastbrook Mental Health NHS Trust' = 'Eastbrook Mental Health Trust'; 'NHS England' stays).
    """
    s = re.sub(r"\([^)]*\)\s*$", "", name.strip())
    s = fold(s).replace("&", " and ")
    words = [_ORG_WORDS.get(w, w) for w in re.findall(r"\w+", s)]
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    if "nhs" in words and len(words) > 2:
        words = [w for w in words if w != "nhs"]
    return " ".join(words)


_ROLE_WORDS = (
    r"chief\s+executive(?:\s+officer)?|ceo|chief\s+operating\s+officer|chief\s+constable|medical\s+director|"
    r"(?:executive\s+|managing\s+|clinical\s+)?director\b[^,]*|head\s+of\b[^,]*|chair(?:man|woman|person)?|"
    r"governor(?:\s+of)?|minister\b[^,]*|mp|mayor"
)
_ROLE = re.compile(rf"^(?:the\s+)?(?:{_ROLE_WORDS})(?:\s+of(?:\s+the)?)?\s*[,:\-]?\s+(?=\S)", re.I)
_ROLE_ONLY = re.compile(rf"^(?:the\s+)?(?:{_ROLE_WORDS})$", re.I)
_PERSON = re.compile(
    r"^(?:\[redacted\]|(?:mr|mrs|ms|miss|dr|prof(?:essor)?|sir|dame|rt\.?\s+hon\.?|the\s+rt\.?\s+hon\.?)\b.*"
    r"|[A-Z][a-z'’\-]+(?:\s+[A-Z]\.?)?\s+[A-Z][a-z'’\-]+)$",
    re.I,
)
_ORG_WORD = re.compile(
    r"\b(?:trust|council|nhs|board|police|constabulary|service|services|department|ministry|office|agency|"
    r"group|ltd|limited|plc|university|college|hospital|prison|hmp|foundation|authority|ccg|icb|practice|"
    r"partnership|commission|institute|society|association|charity|government|secretary)\b",
    re.I,
)
_COMMA_OUTSIDE_PARENS = re.compile(r",\s*(?![^()]*\))")


def strip_role(name: str) -> str:
    """An addressee's organisation: 'The Chief Executive, Oxford Health NHS Foundation Trust' ->
    'Oxford Health NHS Foundation Trust'; 'A Person, Chief Executive, X Trust' -> 'X Trust';
    '[REDACTED], CEO, X' -> 'X'. A name with commas of its own ('Cumbria, Northumberland, Tyne and
    Wear NHS Foundation Trust') is kept whole."""
    parts = [p.strip() for p in _COMMA_OUTSIDE_PARENS.split(name.strip()) if p.strip()]
    if not parts:
        return ""
    while len(parts) > 1:
        head, nxt = parts[0], parts[1]
        person = bool(_PERSON.match(head)) and (
            head.lower().startswith(
                ("[redacted]", "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "rt", "the rt")
            )
            or bool(_ROLE_ONLY.match(nxt) or _ROLE.match(nxt + " x"))
        )
        if _ROLE_ONLY.match(head) or person:
            parts = parts[1:]
        else:
            break
    # a trailing person ("X NHS Trust, A Name"): dropped when the rest names an organisation
    while len(parts) > 1 and _PERSON.match(parts[-1]) and not _ORG_WORD.search(parts[-1]):
        if not any(_ORG_WORD.search(p) for p in parts[:-1]):
            break
        parts = parts[:-1]
    head = _ROLE.sub("", parts[0], count=1).strip(" ,;") or parts[0]
    if head != parts[0] and len(parts) > 1 and _PERSON.match(head):  # "Chief Constable A Name, X Police"
        parts = parts[1:]
    else:
        parts[0] = head
    return ", ".join(parts)


def same_org(a: str, b: str) -> bool:
    """Two keys name one body, allowing an acronym for trailing words: 'northmere icb' = 'northmere
    integrated care board', 'northmere cc' = 'northmere county council'."""
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    if len(wa) > len(wb):
        wa, wb = wb, wa
    if len(wa) < 2 or wa[:-1] != wb[: len(wa) - 1]:
        return False
    rest = wb[len(wa) - 1 :]
    return 2 <= len(rest) <= 6 and wa[-1] == "".join(w[0] for w in rest)


#: Last words of a name that make it a body other names can belong to ("X County Council Public
#: Health" belongs to "X County Council"; "Y Ltd for X County Council" works for it).
_PARENT_END = frozenset(
    "council councils trust board ccg icb department authority police constabulary university commission "
    "government service".split()
)
#: Words that continue a body's own name rather than start a unit's ("Department of Health", "Trust for ...").
_NAME_GOES_ON = frozenset("of for and & to in on at the".split())


def _ends_like_a_body(name: str) -> bool:
    words = re.findall(r"[\w&]+", name.lower())
    return len(words) >= 2 and words[-1] in _PARENT_END


def joint_parts(name: str) -> list[str]:
    """The bodies behind a joint name: 'A; B', 'A / B' and 'A and B' where both sides name a body
    ('West Sussex County Council and NHS West Sussex CCG'). 'Health and Wellbeing Board' stays whole."""
    parts = [p.strip() for p in name.split(";") if p.strip()]
    out: list[str] = []
    for part in parts:
        pieces = [x.strip() for x in re.split(r"\s+/\s+|\s*/\s*(?=[A-Z])", part) if x.strip()]
        for piece in pieces:
            m = re.match(r"^(.+?)\s+(?:and|&)\s+(.+)$", piece)
            if m and _ends_like_a_body(m.group(1)) and _ends_like_a_body(m.group(2)):
                out += [m.group(1).strip(), m.group(2).strip()]
            else:
                out.append(piece)
    return list(dict.fromkeys(out)) or [name]


def inferred_parent(name: str, known: Iterable[str] = ()) -> str | None:
    """The body a unit's name says it belongs to, or None.

    'Y Consultancy Ltd for X County Council' works for 'X County Council'; 'X County Council Public
    Health Research Unit' starts with a body's name and goes on with a unit's; so does any name that
    starts with a known organisation ('NHS England South East')."""
    m = re.match(r"^(.+?)\s+for\s+(.+)$", name.strip())
    if m and _ends_like_a_body(m.group(2)) and len(m.group(2).split()) >= 2:
        return m.group(2).strip()
    words = name.split()
    mine = re.findall(r"\w+", name.lower())
    best: list[str] = []
    found: str | None = None
    for k in known:
        theirs = re.findall(r"\w+", k.lower())
        if (
            theirs
            and len(theirs) < len(mine)
            and mine[: len(theirs)] == theirs
            and mine[len(theirs)] not in _NAME_GOES_ON
            and len(theirs) > len(best)
        ):
            best, found = theirs, k
    if found is not None:
        return found
    for n in range(len(words) - 1, 2, -1):  # longest prefix of 3+ words that ends like a body
        head, rest = " ".join(words[:n]), words[n:]
        if _ends_like_a_body(head) and rest and re.sub(r"\W", "", rest[0].lower()) not in _NAME_GOES_ON:
            return head.strip(" ,;/-")
    return None


_VERSION_WORDS = frozenset("draft final executive exec summary plain text version full report old easy read".split())


def title_stem(title: str | None) -> str:
    """The publication a title names, without the part or version: 'X 2024 - Executive Summary:
    Cohorts', 'X 2024 - DRAFT cohort summary' and 'X 2024 (plain text version)' all give 'x 2024'."""
    if not title:
        return ""
    head = re.split(r"\s[-–—]\s|:|\(", title, maxsplit=1)[0]
    words = [w for w in re.findall(r"\w+", head.lower()) if w not in _VERSION_WORDS]
    return " ".join(words) if len(words) >= 2 else ""


def _common_run(a: str, b: str) -> int:
    """The longest run of consecutive words two texts share."""
    wa, wb = a.split(), b.split()
    best = 0
    for i in range(len(wa)):
        for j in range(len(wb)):
            k = 0
            while i + k < len(wa) and j + k < len(wb) and wa[i + k] == wb[j + k]:
                k += 1
            best = max(best, k)
    return best


@dataclass(frozen=True)
class NewDocument:
    """Everything needed to write one document: metadata, page texts and passages."""

    id: str
    source: str
    content_hash: str
    title: str | None
    organisation: str | None
    year: int | None
    format: str
    pages: dict[int, str]
    passages: list[PassageDraft]


class Store:
    """A dedup store. Open with ``Store(path)``; use as a context manager to close it."""

    def __init__(self, path: str | Path, *, create: bool = True):
        self.path = Path(path)
        if not self.path.exists():
            if not create:
                raise StoreError(f"no store at {self.path}; run `dedup ingest PATH` first, or pass --store")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=lock_timeout(), isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
            damage = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            known = store_error(exc, self.path)
            if "not a database" in str(exc):
                raise StoreError(f"{self.path} is not a dedup store ({exc}); pass another --store path") from exc
            raise known from exc
        if damage != "ok":
            damage = " ".join(str(damage).replace("*** in database main ***", "").split())
            self.db.close()
            raise StoreError(
                f"{self.path} is damaged ({damage}); restore it from a backup, or ingest into a new --store"
            )
        self.db.row_factory = sqlite3.Row
        # The distinct organisations of the documents, with their keys, read once and kept while no
        # other connection commits (PRAGMA data_version) and updated by this store's own writes:
        # normalising each new document's organisation no longer scans every document (O(rows^2)).
        self._orgs: tuple[int, dict[str, str]] | None = None

    # -- lifecycle

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: committed at the end, rolled back on any error (or a kill)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back (a full disk, an I/O error): the original error is
            # the one to report, never "cannot rollback - no transaction is active".
            if self.db.in_transaction:
                with suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads that see one state of the database, whatever another process commits meanwhile."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN")
        try:
            yield
        finally:
            self.db.execute("COMMIT")

    @property
    def index_path(self) -> Path:
        """Where the FAISS index of this store lives: beside the database, named with the store's own
        id, so an index left by a deleted or replaced store of the same name is never read."""
        sid = self.get_meta("store_id")
        if sid is None:  # first use; another process may be doing the same: the first one wins
            self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex[:12],))
            sid = self.get_meta("store_id") or ""
        return self.path.with_name(f"{self.path.stem}.{sid}.faiss")

    def stale_index_files(self) -> list[Path]:
        """FAISS files beside the store that belong to an earlier store of the same name."""
        current = self.index_path
        return [p for p in self.path.parent.glob(f"{self.path.stem}.*.faiss") if p != current]

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(f"{self.path} was made by a newer dedup (schema {version}); upgrade dedup to open it")
        while version < len(MIGRATIONS):
            with self.transaction():
                # Read again under the write lock: another process creating the same new store at
                # the same moment may have just applied this migration.
                version = self.db.execute("PRAGMA user_version").fetchone()[0]
                if version < len(MIGRATIONS):
                    MIGRATIONS[version](self.db)
                    version += 1
                    self.db.execute(f"PRAGMA user_version = {version}")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # -- meta

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # -- organisations

    def aliases(self) -> dict[str, str]:
        table = dict(BUILTIN_ALIASES)
        table.update({r[0]: r[1] for r in self.db.execute("SELECT alias_key, canonical FROM org_aliases")})
        return table

    def add_alias(self, alias: str, canonical: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO org_aliases(alias_key, canonical) VALUES (?, ?)", (org_key(alias), canonical)
        )
        self.db.execute(
            "INSERT OR REPLACE INTO org_aliases(alias_key, canonical) VALUES (?, ?)",
            (org_key(canonical), canonical),
        )
        # Documents already stored under the alias follow it.
        for name, key in self._stored_orgs().items():
            if key == org_key(alias):
                self.db.execute("UPDATE documents SET organisation = ? WHERE organisation = ?", (canonical, name))
                self._orgs = None

    def remove_alias(self, alias: str) -> bool:
        """Forget a user alias; False if there was none (built-in aliases stay)."""
        cur = self.db.execute("DELETE FROM org_aliases WHERE alias_key = ?", (org_key(alias),))
        return cur.rowcount > 0

    def normalise_org(self, name: str | None) -> str | None:
        """The canonical spelling of an organisation.

        An alias's target if the user (or the built-in table) named one; else the spelling already in
        the store for the same body. When the new spelling is the fuller one ('Northmere Integrated
        Care Board' after 'Northmere ICB'), documents already stored take the fuller spelling.
        """
        if name is None or not name.strip():
            return None
        pieces = [re.sub(r"\s+", " ", x).strip() for x in name.split(";")]
        parts = [p for p in (strip_role(x) for x in pieces if x) if p]
        if len(parts) > 1:  # several addressees: each normalised, in order, once
            return "; ".join(dict.fromkeys(self._normalise_one(p) for p in parts))
        return self._normalise_one(parts[0]) if parts else None

    def _normalise_one(self, name: str) -> str:
        key = org_key(name)
        table = self.aliases()
        if key in table:
            return table[key]
        for existing, existing_key in self._stored_orgs().items():
            if same_org(existing_key, key):
                if existing_key in table.values() or len(key) <= len(existing_key):
                    return str(existing)
                self.db.execute("UPDATE documents SET organisation = ? WHERE organisation = ?", (name, existing))
                self._orgs = None
                return name
        return name

    def _stored_orgs(self) -> dict[str, str]:
        """Distinct organisations of the stored documents -> their keys (cached; see ``__init__``)."""
        version = int(self.db.execute("PRAGMA data_version").fetchone()[0])
        if self._orgs is None or self._orgs[0] != version:
            rows = self.db.execute("SELECT DISTINCT organisation FROM documents WHERE organisation IS NOT NULL")
            self._orgs = (version, {r[0]: org_key(r[0]) for r in rows})
        return self._orgs[1]

    # -- organisation hierarchy

    def organisations(self) -> list[str]:
        """Every organisation named in the store: documents' organisations, the bodies in joint names,
        and their parents."""
        names: dict[str, str] = {}
        todo = list(self._stored_orgs())
        for name in list(todo):
            todo += joint_parts(name)
        while todo:
            name = todo.pop()
            if org_key(name) in names:
                continue
            names[org_key(name)] = name
            parent = self.parent_of(name)
            if parent:
                todo.append(parent)
        return sorted(names.values(), key=str.lower)

    def user_parents(self) -> dict[str, tuple[str, str | None]]:
        """Parents set with `dedup org`: unit key -> (unit, parent or None for 'a body of its own')."""
        return {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT unit_key, unit, parent FROM org_parents")}

    def _canonical(self, name: str) -> str:
        """An organisation's spelling through the alias table, without touching stored documents."""
        return self.aliases().get(org_key(name), name.strip())

    def parent_of(self, name: str) -> str | None:
        """The body a unit belongs to: yours (`dedup org UNIT --parent P`), else what its name says."""
        user = self.user_parents().get(org_key(name))
        if user is not None:
            return user[1]
        known = set(self.aliases().values()) | set(self._stored_orgs())
        parent = inferred_parent(name, known)
        return self._canonical(parent) if parent else None

    def body_of(self, name: str | None) -> str | None:
        """The top body an organisation rolls up to (its parent's parent ...); joint names give each
        body, joined by '; '. None for no organisation."""
        if not name:
            return None
        out = []
        for part in joint_parts(name):
            seen = {org_key(part)}
            top = self._canonical(part)
            while (parent := self.parent_of(top)) and org_key(parent) not in seen:
                seen.add(org_key(parent))
                top = parent
            out.append(top)
        return "; ".join(dict.fromkeys(out))

    def set_parent(self, unit: str, parent: str | None) -> None:
        """Make ``unit`` roll up to ``parent`` (None: a body of its own, whatever its name says)."""
        unit = self._canonical(unit)
        if parent is not None:
            parent = self._canonical(parent)
            if org_key(parent) == org_key(unit):
                raise StoreError(f"'{unit}' cannot be its own parent")
            chain, seen = parent, {org_key(parent)}
            while (up := self.parent_of(chain)) and org_key(up) not in seen:
                if org_key(up) == org_key(unit):
                    raise StoreError(f"'{parent}' already belongs to '{unit}'; a unit cannot contain its parent")
                seen.add(org_key(up))
                chain = up
        self.db.execute(
            "INSERT OR REPLACE INTO org_parents(unit_key, unit, parent) VALUES (?, ?, ?)",
            (org_key(unit), unit, parent),
        )

    def forget_parent(self, unit: str) -> bool:
        """Drop your own setting for ``unit`` (its name decides again); False if there was none."""
        cur = self.db.execute("DELETE FROM org_parents WHERE unit_key = ?", (org_key(unit),))
        return cur.rowcount > 0

    def within(self, name: str | None, wanted: str) -> bool:
        """Is ``name`` the organisation ``wanted``, one of its units, or a joint name that includes one?"""
        if not name:
            return False
        key = org_key(self._canonical(wanted))
        if same_org(org_key(self._canonical(name)), key):
            return True
        for part in joint_parts(name):
            chain, seen = self._canonical(part), set()
            while chain and org_key(chain) not in seen:
                if same_org(org_key(chain), key):
                    return True
                seen.add(org_key(chain))
                chain = self.parent_of(chain) or ""
        return False

    def nearest_organisations(self, name: str, n: int = 5) -> list[str]:
        """Known organisation names closest to ``name`` (for 'did you mean')."""
        import difflib

        keys = {org_key(x): x for x in self.organisations()}
        want = org_key(name)
        words = set(want.split())

        def closeness(k: str) -> float:
            shared = len(words & set(k.split())) / max(len(words | set(k.split())), 1)
            return max(difflib.SequenceMatcher(None, want, k).ratio(), shared)

        ranked = sorted(keys, key=lambda k: (-closeness(k), k))
        return [keys[k] for k in ranked[:n] if closeness(k) >= 0.3]

    # -- documents

    def find_by_source(self, source: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT id, content_hash, title, organisation, year, segmenter FROM documents WHERE source = ?", (source,)
        ).fetchone()
        return row

    def find_by_hash(self, content_hash: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT id, source FROM documents WHERE content_hash = ?", (content_hash,)
        ).fetchone()
        return row

    def unique_id(self, wanted: str, source: str) -> str:
        base = re.sub(r"[^\w.\-]+", "-", wanted).strip("-") or "doc"
        candidate, n = base, 2
        while True:
            row = self.db.execute("SELECT source FROM documents WHERE id = ?", (candidate,)).fetchone()
            if row is None or row[0] == source:
                return candidate
            candidate, n = f"{base}-{n}", n + 1

    def add_document(self, doc: NewDocument) -> str:
        """Write a document with its pages and passages in one transaction, replacing any earlier
        version from the same source. Returns the document id."""
        with self.transaction():
            old = self.db.execute("SELECT id FROM documents WHERE source = ?", (doc.source,)).fetchone()
            if old is not None:
                self.db.execute("DELETE FROM documents WHERE id = ?", (old[0],))
            self.db.execute(
                "INSERT INTO documents(id, source, content_hash, title, organisation, year, format, page_count, segmenter)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc.id,
                    doc.source,
                    doc.content_hash,
                    doc.title,
                    doc.organisation,
                    doc.year,
                    doc.format,
                    len(doc.pages),
                    SEGMENTER_VERSION,
                ),
            )
            self.db.executemany(
                "INSERT INTO pages(doc_id, number, text) VALUES (?, ?, ?)",
                [(doc.id, n, t) for n, t in sorted(doc.pages.items())],
            )
            self.db.executemany(
                "INSERT INTO passages(doc_id, seq, page, start, end, text, kind, heading, text_hash, page_end, label)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        doc.id,
                        i,
                        p.page,
                        p.start,
                        p.end,
                        p.text,
                        p.kind,
                        p.heading,
                        text_hash(p.text),
                        p.page_end,
                        p.label,
                    )
                    for i, p in enumerate(doc.passages)
                ],
            )
        # committed: the cached organisations follow (a replaced document may have taken its old name away)
        if old is not None:
            self._orgs = None
        elif self._orgs is not None and doc.organisation:
            self._orgs[1].setdefault(doc.organisation, org_key(doc.organisation))
        return doc.id

    def update_metadata(self, doc_id: str, title: str | None, organisation: str | None, year: int | None) -> None:
        self.db.execute(
            "UPDATE documents SET title = ?, organisation = ?, year = ? WHERE id = ?",
            (title, organisation, year, doc_id),
        )
        self._orgs = None

    def remove_document(self, ref: str) -> Document:
        doc = self.document(ref)
        with self.transaction():
            self.db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
        self._orgs = None
        return doc

    def _doc(self, row: sqlite3.Row) -> Document:
        return Document(
            id=row["id"],
            title=row["title"],
            organisation=row["organisation"],
            year=row["year"],
            source=row["source"],
            format=row["format"],
            content_hash=row["content_hash"],
            passage_count=row["passage_count"],
        )

    _DOC_SQL = "SELECT d.*, (SELECT COUNT(*) FROM passages p WHERE p.doc_id = d.id) AS passage_count FROM documents d"

    def documents(self) -> list[Document]:
        rows = self.db.execute(self._DOC_SQL + " ORDER BY d.year IS NULL, d.year, d.id")
        return [self._doc(r) for r in rows]

    def document(self, ref: str) -> Document:
        """A document by id, by source path, or by file name."""
        row = self.db.execute(self._DOC_SQL + " WHERE d.id = ? OR d.source = ?", (ref, ref)).fetchone()
        if row is None:
            resolved = str(Path(ref).resolve()) if ref else ref
            row = self.db.execute(self._DOC_SQL + " WHERE d.source = ?", (resolved,)).fetchone()
        if row is None:
            rows = [r for r in self.db.execute(self._DOC_SQL) if Path(r["source"]).name == ref]
            if len(rows) == 1:
                row = rows[0]
        if row is None:
            raise NotFound(f"no document '{ref}' in the store; `dedup docs` lists document ids")
        return self._doc(row)

    def page_text(self, doc_id: str, page: int) -> str:
        row = self.db.execute("SELECT text FROM pages WHERE doc_id = ? AND number = ?", (doc_id, page)).fetchone()
        return "" if row is None else str(row[0])

    # -- passages

    def passages(
        self, *, kind: str | None = None, doc_ids: Sequence[str] | None = None, ids: Iterable[int] | None = None
    ) -> list[Passage]:
        with self.snapshot():  # a document replaced meanwhile by another process is seen whole or not at all
            return self._passages(kind=kind, doc_ids=doc_ids, ids=ids)

    def _passages(
        self, *, kind: str | None = None, doc_ids: Sequence[str] | None = None, ids: Iterable[int] | None = None
    ) -> list[Passage]:
        sql = "SELECT id, doc_id, page, start, end, text, kind, heading, page_end, label FROM passages"
        where: list[str] = []
        args: list[object] = []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if doc_ids is not None:
            where.append(f"doc_id IN ({','.join('?' * len(doc_ids))})")
            args.extend(doc_ids)
        if ids is not None:
            id_list = list(ids)
            where.append(f"id IN ({','.join('?' * len(id_list))})")
            args.extend(id_list)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY doc_id, seq"
        rows: Iterable[sqlite3.Row]
        if ids is not None or doc_ids is not None:
            # a look-up of some passages reads only their documents (a draft check stays small at scale)
            rows = self.db.execute(sql, args).fetchall()
            docs = self.documents_by_id({r["doc_id"] for r in rows})
        else:
            docs = {d.id: d for d in self.documents()}
            rows = self.db.execute(sql, args)
        return [
            Passage(
                id=r["id"],
                document=docs[r["doc_id"]],
                page=r["page"],
                start=r["start"],
                end=r["end"],
                text=r["text"],
                kind=r["kind"],
                heading=r["heading"],
                page_end=r["page_end"],
                label=r["label"],
            )
            for r in rows
        ]

    def passage_texts(self, ids: np.ndarray) -> tuple[list[str], list[str]]:
        """(texts, document ids) of the passages with these ids (ascending, as ``passage_vectors`` gives
        them), aligned with ``ids``: the text alone, no :class:`Passage` objects (a streaming command
        reads a whole corpus's texts in a fraction of their memory). A missing id raises KeyError."""
        want = np.asarray(ids, dtype=np.int64).tolist()
        texts: list[str] = []
        docs: list[str] = []
        k = 0
        rows = self.db.execute("SELECT id, doc_id, text FROM passages ORDER BY id")
        for pid, doc_id, text in rows:
            if k < len(want) and pid == want[k]:
                texts.append(text)
                docs.append(doc_id)
                k += 1
        if k < len(want):
            raise KeyError(want[k])
        return texts, docs

    def passages_by_id(self, ids: Iterable[int]) -> dict[int, Passage]:
        """The passages with these ids (those that exist), by id, read 500 at a time in one snapshot."""
        wanted = sorted(set(ids))
        out: dict[int, Passage] = {}
        with self.snapshot():
            for lo in range(0, len(wanted), 500):
                out.update((p.id, p) for p in self._passages(ids=wanted[lo : lo + 500]))
        return out

    def documents_by_id(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """The documents with these ids (those that exist), by id."""
        wanted = sorted(doc_ids)
        out: dict[str, Document] = {}
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            rows = self.db.execute(self._DOC_SQL + f" WHERE d.id IN ({','.join('?' * len(chunk))})", chunk)
            out.update((r["id"], self._doc(r)) for r in rows)
        return out

    def adjacent(self, ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
        """For each passage id: the ids of the passages just before and just after it in its document."""
        id_list = list(ids)
        if not id_list:
            return {}
        rows = self.db.execute(
            "SELECT p.id,"
            " (SELECT q.id FROM passages q WHERE q.doc_id = p.doc_id AND q.seq = p.seq - 1),"
            " (SELECT q.id FROM passages q WHERE q.doc_id = p.doc_id AND q.seq = p.seq + 1)"
            f" FROM passages p WHERE p.id IN ({','.join('?' * len(id_list))})",
            id_list,
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def passage_ids(self, doc_ids: Sequence[str]) -> list[int]:
        """Ids of the passages of these documents."""
        if not doc_ids:
            return []
        sql = f"SELECT id FROM passages WHERE doc_id IN ({','.join('?' * len(doc_ids))})"
        return [r[0] for r in self.db.execute(sql, list(doc_ids))]

    def passage_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def document_families(
        self, min_share: float = 0.5, min_passages: int = 3, *, of: Iterable[str] | None = None
    ) -> dict[str, str]:
        """Documents that are versions of one another (a draft and its final, an executive summary
        and its full text): at least ``min_share`` of the smaller one's distinct passage texts appear
        word for word in the other, or one body's documents of one year whose titles name the same
        publication ("X - Executive Summary", "X (plain text version)", "X - DRAFT", an annex "X -
        Background Evidence") share at least ``min_passages`` passages word for word. Returns document
        id -> family id (the family's first document id); documents in no family are left out.

        ``of`` restricts the answer to the families of those documents (what ``check`` needs for the
        documents it matched): the families are followed out from them, pair by pair, so the work
        depends on those documents and their versions, not on the size of the corpus."""
        if of is None:
            return self._families(self._families_edges(self._shared_with(None), min_share, min_passages))
        seen = set(of)
        frontier = sorted(seen)
        pairs = []
        known: set[tuple[str, str]] = set()  # pairs judged in an earlier round (found from their other end)
        while frontier:
            found = [p for p in self._shared_with(frontier) if p[:2] not in known]
            known.update(p[:2] for p in found)
            qualifying = self._families_edges(found, min_share, min_passages)
            pairs += qualifying
            frontier = sorted({d for a, b, _ in qualifying for d in (a, b)} - seen)
            seen.update(frontier)
        return self._families(pairs)

    def _shared_with(self, docs: Sequence[str] | None) -> list[tuple[str, str, int]]:
        """(a, b, distinct passage texts they share) for every document pair a < b that shares a
        passage text and has one end in ``docs`` (``None``: every such pair)."""
        query = (
            "SELECT a.doc_id, b.doc_id, COUNT(DISTINCT a.text_hash) FROM passages a"
            " JOIN passages b ON a.text_hash = b.text_hash AND a.doc_id < b.doc_id{where} GROUP BY a.doc_id, b.doc_id"
        )
        if docs is None:
            return [(r[0], r[1], r[2]) for r in self.db.execute(query.format(where=""))]
        out: set[tuple[str, str, int]] = set()
        for lo in range(0, len(docs), 500):
            chunk = list(docs[lo : lo + 500])
            marks = ",".join("?" * len(chunk))
            for side in ("a", "b"):
                out.update(
                    (r[0], r[1], r[2])
                    for r in self.db.execute(query.format(where=f" WHERE {side}.doc_id IN ({marks})"), chunk)
                )
        return sorted(out)

    def _families_edges(
        self, shared: list[tuple[str, str, int]], min_share: float, min_passages: int
    ) -> list[tuple[str, str, int]]:
        """The pairs of ``shared`` that make two documents versions of one another."""
        # sizes and titles of the documents that share a passage only (not of every document)
        involved = sorted({d for a, b, _ in shared for d in (a, b)})
        sizes: dict[str, int] = {}
        meta: dict[str, tuple[str, str, int | None]] = {}
        for lo in range(0, len(involved), 500):
            chunk = involved[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            sizes.update(
                self.db.execute(
                    f"SELECT doc_id, COUNT(DISTINCT text_hash) FROM passages WHERE doc_id IN ({marks}) GROUP BY doc_id",
                    chunk,
                ).fetchall()
            )
            for r in self.db.execute(
                f"SELECT id, title, organisation, year FROM documents WHERE id IN ({marks})", chunk
            ):
                meta[r[0]] = (title_stem(r[1]), org_key(self.body_of(r[2]) or ""), r[3])

        def one_publication(a: str, b: str) -> bool:
            """One body's documents of one year naming the same publication: "X - Executive Summary"
            and "X"; "CYP Mental Health Needs Assessment - Background Evidence" and "West Sussex
            Mental Health Needs Assessment (Children and Young People)" (a shared run of 4+ words)."""
            (sa, ba, ya), (sb, bb, yb) = meta[a], meta[b]
            return bool(sa and sb and ba and ba == bb and ya == yb) and (sa == sb or _common_run(sa, sb) >= 4)

        out = []
        for a, b, n in shared:
            small = min(sizes[a], sizes[b])
            if (n >= min_passages and one_publication(a, b)) or (small >= min_passages and n / small >= min_share):
                out.append((a, b, n))
        return out

    @staticmethod
    def _families(edges: list[tuple[str, str, int]]) -> dict[str, str]:
        """Document id -> the smallest id among the documents ``edges`` join it to."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        for a, b, _ in edges:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        return {d: root(d) for d in parent} | {root(d): root(d) for d in parent}

    # -- embeddings

    def missing_embeddings(self, model: str) -> list[tuple[str, str]]:
        """(text_hash, text) of passages with no cached vector for ``model``, one per distinct text."""
        rows = self.db.execute(
            "SELECT p.text_hash, MIN(p.text) FROM passages p"
            " LEFT JOIN embeddings e ON e.model = ? AND e.text_hash = p.text_hash"
            " WHERE e.text_hash IS NULL GROUP BY p.text_hash",
            (model,),
        )
        return [(r[0], r[1]) for r in rows]

    def put_embeddings(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings(model, text_hash, vector) VALUES (?, ?, ?)",
                [(model, h, v.tobytes()) for h, v in zip(hashes, vectors, strict=True)],
            )

    def embedded_models(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT model FROM embeddings")]

    def drop_embeddings(self, model: str | None = None) -> None:
        if model is None:
            self.db.execute("DELETE FROM embeddings")
        else:
            self.db.execute("DELETE FROM embeddings WHERE model = ?", (model,))

    def passage_vectors(self, model: str, dim: int, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, vectors) of every embedded passage, in id order."""
        sql = "SELECT p.id, e.vector FROM passages p JOIN embeddings e ON e.model = ? AND e.text_hash = p.text_hash"
        args: list[str] = [model]
        if kind:
            sql += " WHERE p.kind = ?"
            args.append(kind)
        sql += " ORDER BY p.id"
        ids: list[int] = []
        buf = bytearray()
        for pid, blob in self.db.execute(sql, args):
            ids.append(pid)
            buf += blob
        # straight over the buffer: a copy (bytes(buf)) doubled the peak memory of every command
        vecs = np.frombuffer(buf, dtype=np.float32).reshape(len(ids), dim) if ids else np.zeros((0, dim))
        return np.asarray(ids, dtype=np.int64), vecs.astype(np.float32, copy=False)

    def iter_passage_vectors(self, model: str, dim: int, block: int = 16384) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(passage ids, vectors) of every embedded passage in id order, ``block`` passages at a time,
        read in one snapshot (finish the iteration: the snapshot ends with it)."""
        with self.snapshot():
            rows = self.db.execute(
                "SELECT p.id, e.vector FROM passages p"
                " JOIN embeddings e ON e.model = ? AND e.text_hash = p.text_hash ORDER BY p.id",
                (model,),
            )
            while chunk := rows.fetchmany(block):
                ids = np.fromiter((r[0] for r in chunk), dtype=np.int64, count=len(chunk))
                vecs = np.frombuffer(b"".join(r[1] for r in chunk), dtype=np.float32).reshape(len(chunk), dim)
                yield ids, vecs

    def passage_hashes(self, model: str) -> dict[int, str]:
        """passage id -> text hash of every passage with a vector for ``model``."""
        rows = self.db.execute(
            "SELECT p.id, p.text_hash FROM passages p JOIN embeddings e ON e.model = ? AND e.text_hash = p.text_hash",
            (model,),
        )
        return {int(r[0]): str(r[1]) for r in rows}

    def passage_hash_arrays(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids in id order, (n, 16) uint8 text hashes) of every passage with a vector for
        ``model``: :meth:`passage_hashes` as two arrays, 24 bytes a passage."""
        rows = self.db.execute(
            "SELECT p.id, p.text_hash FROM passages p JOIN embeddings e ON e.model = ? AND e.text_hash = p.text_hash"
            " ORDER BY p.id",
            (model,),
        )
        ids = array("q")
        buf = bytearray()
        for pid, h in rows:
            ids.append(pid)
            buf += bytes.fromhex(h)
        return np.frombuffer(ids, dtype=np.int64), np.frombuffer(buf, dtype=np.uint8).reshape(len(ids), 16)

    def vectors_for_hashes(self, model: str, hashes: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for lo in range(0, len(hashes), 500):
            chunk = list(hashes[lo : lo + 500])
            rows = self.db.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )
            for h, blob in rows:
                out[h] = np.frombuffer(blob, dtype=np.float32).reshape(dim)
        return out

    def iter_documents_raw(self) -> Iterator[sqlite3.Row]:
        yield from self.db.execute("SELECT * FROM documents")
