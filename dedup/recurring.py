"""Recurring recommendations and duplicated efforts: clusters of passages that say the same thing
across documents, labelled by how they recur.

Stages: ``group`` (a similarity graph over candidate pairs, clustered by average linkage so that
A~B and B~C do not chain A to C; see :mod:`dedup.cluster`) → ``describe`` each cluster (representative, members,
first appearance, years, organisations, labels).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.embed import Embedder
from dedup.links import SAME_STATEMENT
from dedup.models import Document, Passage
from dedup.store import Store

#: A cluster's representative is, where it can be, a recommendation of at most this many words.
REPRESENTATIVE_MAX_WORDS = 60

_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:-|–|—|to)\s*((?:19|20)?\d\d)(?!\d)")


def period(doc: Document) -> tuple[int, int] | None:
    """The years a document covers: a range in its title ("Strategy 2021-2024", "2020 to 2023"),
    else its year alone; None if it has no year."""
    for text in (doc.title or "", doc.id):
        m = _RANGE.search(text)
        if m:
            start, end = int(m.group(1)), m.group(2)
            stop = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
            if start <= stop <= start + 20:
                return start, stop
    return (doc.year, doc.year) if doc.year else None


@dataclass(frozen=True)
class Member:
    passage: Passage
    type: str  # "representative", or the link type to the representative
    score: float


@dataclass(frozen=True)
class Cluster:
    id: int
    representative: Passage
    members: list[Member]  # in order of appearance: year, then document
    labels: tuple[str, ...]  # "recurring" and/or "duplicated-effort"
    scope: str  # "across-organisations" or "within-organisation"
    confirmed_documents: int = 0  # see confirmed(): set by find_recurring, versions of a document counted once

    @property
    def first(self) -> Member:
        return self.members[0]

    @property
    def years(self) -> tuple[int | None, int | None]:
        ys = [m.passage.document.year for m in self.members if m.passage.document.year]
        return (min(ys), max(ys)) if ys else (None, None)

    @property
    def documents(self) -> int:
        return len({m.passage.document.id for m in self.members})

    def confirmed(self, family: dict[str, str] | None = None) -> int:
        """Documents whose member says the same as the representative (verbatim, near-verbatim or
        paraphrase), the representative's own included: the firmest measure of recurrence. With
        ``family`` (document id -> family id), versions of one document (a draft and its final, a
        summary and its full text) count once."""
        family = family or {}
        return len(
            {
                family.get(m.passage.document.id, m.passage.document.id)
                for m in self.members
                if m.type == "representative" or m.type in SAME_STATEMENT
            }
        )

    @property
    def organisations(self) -> int:
        """Distinct bodies: documents addressed to several ("A; B") count as one body with any
        document that shares one of them."""
        return len(bodies([m.passage.document.organisation for m in self.members]))


def bodies(organisations: Sequence[str | None]) -> list[set[str]]:
    """Group organisation fields into bodies: 'A; B' and 'B' are one body (they share B), 'A' and 'C'
    are two. Missing organisations are left out."""
    groups: list[set[str]] = []
    for org in organisations:
        if not org:
            continue
        parts = {x.strip() for x in org.split(";") if x.strip()}
        touching = [g for g in groups if g & parts]
        merged = parts.union(*touching)
        groups = [g for g in groups if not (g & parts)] + [merged]
    return groups


def group(
    texts: Sequence[str], vectors: np.ndarray, groups: np.ndarray, min_groups: int = 2, threshold: float | None = None
) -> list[list[int]]:
    """Clusters of items that make the same point, each spanning at least ``min_groups`` groups
    (see :func:`dedup.cluster.cluster_texts`)."""
    from dedup.cluster import DEFAULT_TEXT_THRESHOLD, cluster_texts

    return cluster_texts(
        texts,
        vectors,
        groups,
        threshold=DEFAULT_TEXT_THRESHOLD if threshold is None else threshold,
        min_size=2,
        min_groups=min_groups,
    )


def _overlapping_orgs(members: Sequence[Passage]) -> bool:
    """Two different organisations committing to the action ("we will ...") in documents whose periods
    overlap: a duplicated effort. Recommending the same thing is recurrence, not duplicated work."""
    from dedup.segment import is_commitment

    spans = [
        (p.document.organisation, period(p.document))
        for p in members
        if p.document.organisation and is_commitment(p.text)
    ]
    groups = bodies([org for org, _ in spans])
    body = {org: next(n for n, g in enumerate(groups) if set(org.split("; ")) & g) for org, _ in spans if org}
    for n, (org_a, pa) in enumerate(spans):
        for org_b, pb in spans[n + 1 :]:
            if body[org_a] != body[org_b] and pa and pb and pa[0] <= pb[1] and pb[0] <= pa[1]:
                return True
    return False


def describe(
    cid: int, passages: Sequence[Passage], rep: int, member_idx: Sequence[int], vectors: np.ndarray
) -> Cluster:
    from dedup.match import verdicts

    others = [m for m in member_idx if m != rep]
    judged = verdicts([(passages[m].text, passages[rep].text) for m in others], vectors[others] @ vectors[rep])
    members = [Member(passages[rep], "representative", 1.0)]
    members += [Member(passages[m], v.type or "related", v.score) for m, v in zip(others, judged, strict=True)]
    members.sort(key=lambda m: (m.passage.document.year or 9999, m.passage.document.id, m.passage.id))
    years = {m.passage.document.year for m in members if m.passage.document.year}
    orgs = bodies([m.passage.document.organisation for m in members])
    labels = []
    if len(years) >= 2:
        labels.append("recurring")
    if _overlapping_orgs([m.passage for m in members]):
        labels.append("duplicated-effort")
    scope = "within-organisation" if len(orgs) == 1 else "across-organisations"
    return Cluster(cid, passages[rep], members, tuple(labels), scope)


def find_recurring(
    store: Store,
    embedder: Embedder,
    *,
    all_passages: bool = False,
    organisation: str | None = None,
    years: tuple[int | None, int | None] = (None, None),
    min_documents: int = 2,
    threshold: float | None = None,
) -> list[Cluster]:
    """Clusters of passages making the same recommendation in at least ``min_documents`` documents,
    most recurring first: by documents confirmed as saying the same thing (a draft and its final
    version, or a summary and its full text, counted once), then by all documents. By default only ``recommendation`` passages; ``all_passages`` takes all.

    ``years`` limits the corpus to documents of those years; ``organisation`` keeps clusters in which
    that organisation takes part."""
    from dedup.cluster import representatives
    from dedup.segment import is_statement

    ids, vectors = store.passage_vectors(embedder.name, embedder.dim, kind=None if all_passages else "recommendation")
    by_id = {p.id: p for p in store.passages(kind=None if all_passages else "recommendation")}
    lo, hi = years
    keep = [
        n
        for n, pid in enumerate(ids.tolist())
        if (lo is None or (by_id[pid].document.year or 0) >= lo)
        and (hi is None or (by_id[pid].document.year or 9999) <= hi)
    ]
    keep = [n for n in keep if is_statement(by_id[int(ids[n])].text)]
    passages = [by_id[int(ids[n])] for n in keep]
    vectors = vectors[keep]
    if len(passages) < 2:
        return []
    codes: dict[str, int] = {}
    groups = np.fromiter((codes.setdefault(p.document.id, len(codes)) for p in passages), dtype=np.int64)
    clusters = group([p.text for p in passages], vectors, groups, min_groups=max(2, min_documents), threshold=threshold)
    concise = [p.kind == "recommendation" and len(p.text.split()) <= REPRESENTATIVE_MAX_WORDS for p in passages]
    reps = representatives(clusters, vectors, prefer=concise)
    described = [
        describe(n, passages, rep, mem, vectors) for n, (rep, mem) in enumerate(zip(reps, clusters, strict=True))
    ]
    if organisation:
        wanted = store.normalise_org(organisation)
        described = [c for c in described if any(m.passage.document.organisation == wanted for m in c.members)]
    family = store.document_families()
    described.sort(
        key=lambda c: (
            -c.confirmed(family),
            -c.documents,
            -c.organisations,
            -((c.years[1] or 0) - (c.years[0] or 0)),
            c.first.passage.id,
        )
    )
    return [
        Cluster(n + 1, c.representative, c.members, c.labels, c.scope, c.confirmed(family))
        for n, c in enumerate(described)
    ]
