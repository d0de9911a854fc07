"""Check a new draft against the corpus: which of its passages were said before, where, how often.

The draft is parsed like any document but not stored; its passages are embedded, looked up in the
store's FAISS index, and the candidates verified by the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dedup.embed import Embedder
from dedup.ingest import Parsed, parse_file
from dedup.limits import DEFAULT_LIMITS, Limits
from dedup.links import MIN_CANDIDATE_COSINE, SAME_STATEMENT
from dedup.models import LinkType, Passage, PassageDraft
from dedup.store import Store

#: Corpus passages looked up per draft passage before verification.
CHECK_K = 20


@dataclass(frozen=True)
class Match:
    passage: Passage
    score: float
    type: LinkType


@dataclass(frozen=True)
class DraftPassage:
    draft: PassageDraft
    matches: list[Match]  # best first; same-statement matches and related ones
    family: Mapping[str, str] = field(default_factory=dict)  # document id -> family (versions count once)

    @property
    def repeats(self) -> list[Match]:
        return [m for m in self.matches if m.type in SAME_STATEMENT]

    @property
    def times(self) -> int:
        """In how many earlier documents the passage was said before (versions of one document, such as
        a draft and its final or a summary and its full text, count once)."""
        return len({self.family.get(m.passage.document.id, m.passage.document.id) for m in self.repeats})

    @property
    def status(self) -> str:
        return "repeat" if self.repeats else "new"


@dataclass(frozen=True)
class DraftCheck:
    source: str
    title: str | None
    pages: dict[int, str]
    passages: list[DraftPassage]  # recommendations first, then the rest, each in reading order
    body_of: Mapping[str, str] = field(default_factory=dict)  # organisation -> the body it rolls up to

    @property
    def recommendations(self) -> list[DraftPassage]:
        return [p for p in self.passages if p.draft.kind == "recommendation"]

    @property
    def repeated(self) -> list[DraftPassage]:
        return [p for p in self.recommendations if p.repeats]

    @property
    def new(self) -> list[DraftPassage]:
        return [p for p in self.recommendations if not p.repeats]

    def most_repeated(self, n: int = 5) -> list[DraftPassage]:
        return sorted(self.repeated, key=lambda p: (-p.times, -p.repeats[0].score))[:n]


def check_parsed(store: Store, embedder: Embedder, parsed: Parsed, source: str, *, k: int = CHECK_K) -> DraftCheck:
    from dedup.index import search
    from dedup.match import verdicts

    drafts = parsed.passages
    vectors = embedder.embed([d.text for d in drafts]) if drafts else np.zeros((0, embedder.dim), np.float32)
    scores, ids = search(store, vectors, k)
    pairs: list[tuple[int, int, float]] = [
        (r, int(pid), float(s))
        for r in range(len(drafts))
        for s, pid in zip(scores[r], ids[r], strict=True)
        if pid >= 0 and s >= MIN_CANDIDATE_COSINE
    ]
    corpus = {p.id: p for p in store.passages(ids={pid for _, pid, _ in pairs})} if pairs else {}
    pairs = [t for t in pairs if t[1] in corpus]  # a passage removed by another process meanwhile
    judged = verdicts([(drafts[r].text, corpus[pid].text) for r, pid, _ in pairs], [s for _, _, s in pairs])
    found: dict[int, list[Match]] = {}
    for (r, pid, _), v in zip(pairs, judged, strict=True):
        if v.type is not None:
            found.setdefault(r, []).append(Match(corpus[pid], v.score, v.type))
    rank = {t: n for n, t in enumerate(("verbatim", "near-verbatim", "paraphrase", "related"))}
    family = store.document_families() if found else {}
    out = []
    for r, d in enumerate(drafts):
        matches = sorted(found.get(r, []), key=lambda m: (rank[m.type], -m.score, m.passage.document.year or 0))
        out.append(DraftPassage(d, matches, family))
    out.sort(key=lambda p: p.draft.kind != "recommendation")  # stable: reading order within each kind
    orgs = {m.passage.document.organisation for ms in found.values() for m in ms if m.passage.document.organisation}
    body_of = {o: store.body_of(o) or o for o in orgs if o}
    return DraftCheck(source, parsed.metadata.get("title"), parsed.pages, out, body_of)


def check_draft(
    store: Store, embedder: Embedder, path: Path, *, k: int = CHECK_K, limits: Limits = DEFAULT_LIMITS
) -> DraftCheck:
    """Check the draft at ``path`` (PDF, DOCX, HTML, TXT, MD) against the indexed store."""
    return check_parsed(store, embedder, parse_file(path, limits), str(path), k=k)
