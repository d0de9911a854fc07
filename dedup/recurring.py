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

from dedup.embed import VectorSpace
from dedup.links import MIN_CANDIDATE_COSINE, SAME_STATEMENT
from dedup.models import Document, Passage
from dedup.store import Store
from dedup.text import ARTICLES, YEAR_RANGE

#: A cluster's representative is, where it can be, a recommendation of at most this many words.
REPRESENTATIVE_MAX_WORDS = 60


def period(doc: Document) -> tuple[int, int] | None:
    """The years a document covers: a range in its title ("Strategy 2021-2024", "2020 to 2023"),
    else its year alone; None if it has no year."""
    for text in (doc.title or "", doc.id):
        m = YEAR_RANGE.search(text)
        if m:
            start, end = int(m.group(1)), m.group(2)
            stop = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
            if start <= stop <= start + 20:
                return start, stop
    return (doc.year, doc.year) if doc.year else None


@dataclass(frozen=True)
class Member:
    """One document's part in a cluster: a passage, and the same statement again elsewhere in that
    document or in a version of it (``copies``: a draft and its final, a summary and its full text)."""

    passage: Passage
    type: str  # "representative", or the link type to the representative
    score: float
    copies: tuple[Passage, ...] = ()
    body: str | None = None  # the organisation's top body (a unit rolls up to its parent)
    family: str | None = None  # the document family (versions of one document share it)

    @property
    def evidence(self) -> bool:
        """Does this member say the same thing as the representative (not only share its theme)?"""
        return self.type == "representative" or self.type in SAME_STATEMENT

    @property
    def passages(self) -> tuple[Passage, ...]:
        return (self.passage, *self.copies)


@dataclass(frozen=True)
class Cluster:
    """Passages making one recommendation. ``members`` holds every document's member in order of
    appearance; the ``evidence`` (members saying the same thing as the representative) alone sets
    the first appearance, the years, the counts, the labels and the scope; the ``theme`` members
    only share the subject."""

    id: int
    representative: Passage
    members: list[Member]  # in order of appearance: year, then document
    labels: tuple[str, ...]  # "recurring" and/or "duplicated-effort"
    scope: str  # "across-organisations" or "within-organisation"; "" when one document says it
    confirmed_documents: int = 0  # kept for the JSON: the same as ``documents``

    @property
    def evidence(self) -> list[Member]:
        return [m for m in self.members if m.evidence]

    @property
    def theme(self) -> list[Member]:
        return [m for m in self.members if not m.evidence]

    @property
    def first(self) -> Member:
        return self.evidence[0]

    @property
    def years(self) -> tuple[int | None, int | None]:
        ys = [m.passage.document.year for m in self.evidence if m.passage.document.year]
        return (min(ys), max(ys)) if ys else (None, None)

    @property
    def documents(self) -> int:
        """Documents that say the same thing, versions of one document counted once."""
        return len({m.family or m.passage.document.id for m in self.evidence})

    @property
    def organisations(self) -> int:
        """Distinct bodies saying the same thing: units count as their parent; documents addressed to
        several ("A; B") count as one body with any document that shares one of them."""
        return len(bodies([m.body or m.passage.document.organisation for m in self.evidence]))

    @property
    def copies(self) -> int:
        """Passages folded into the evidence as repeats within a document or its versions."""
        return sum(len(m.copies) for m in self.evidence)


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


#: Statements about the document itself ("This strategy sets out ...", "we will describe ..."): not work.
_ABOUT_DOCUMENT = re.compile(
    r"\b(?:this|the|our)\s+(?:[\w-]+\s+){0,3}?(?:strategy|plan|document|report|framework|assessment|review|"
    r"briefing|paper|audit|section|chapter|summary|analysis)\s+(?:\w+\s+){0,2}?(?:sets?\s+out|describes?|"
    r"outlines?|explains?|summari[sz]es?|presents?|provides?\s+an?\s+(?:overview|summary)|will\s+(?:set\s+out|"
    r"describe|outline|explain|summari[sz]e|present|look\s+at|consider|focus\s+on))\b"
    r"|\b(?:we|it)\s+(?:will|shall)\s+(?:\w+ly\s+)?(?:set\s+out|describe|outline|explain|summari[sz]e|present|"
    r"report\s+on|look\s+at|discuss|reflect\s+on|highlight)\b"
    r"|\bwhat\s+we\s+(?:plan|intend|aim|want|are\s+going)\s+to\s+do\b"
    r"|\bin\s+this\s+(?:strategy|plan|document|report|section|chapter)\b",
    re.I,
)
#: The verb a commitment opens with ("we will <verb>"), past adverbs and "continue to".
_COMMIT_VERB = re.compile(
    r"\b(?:will|shall|commit(?:ted)?\s+to|pledge\s+to|aim\s+to|intend\s+to|plan\s+to|going\s+to)\s+"
    r"(?:(?:also|further|then|now|therefore|continue\s+to|\w+ly)\s+)*([a-z]+)",
    re.I,
)
#: Verbs of intention rather than of a concrete action: "we will improve / support / work with ...".
VAGUE_VERBS = frozenset(
    """improve support work continue explore consider seek look promote encourage strive aim try endeavour
    help enhance raise focus be do have need want think recognise value listen learn engage collaborate
    champion prioritise enable maintain keep strengthen build address tackle respond reflect aspire hope
    understand""".split()
)


def is_effort(text: str) -> bool:
    """Does the passage commit its author to a concrete action ("We will open a network of crisis
    cafés ...")? Not a statement about the document itself ("This strategy sets out what we plan to
    do") and not a vague intention ("We will work together to improve outcomes")."""
    from dedup.segment import is_commitment

    if not is_commitment(text) or _ABOUT_DOCUMENT.search(text):
        return False
    for m in _COMMIT_VERB.finditer(text):
        verb = m.group(1).lower()
        if verb not in VAGUE_VERBS:
            return True
        # "we will work with schools to place ...": the action is the verb after "to"
        after = re.match(r"[^.;:]*?\bto\s+(?:\w+ly\s+)?([a-z]+)", text[m.end() :], re.I)
        if after and after.group(1).lower() not in VAGUE_VERBS and after.group(1).lower() not in ARTICLES:
            return True
    return False


def _duplicated_effort(members: Sequence[Member]) -> bool:
    """Two or more bodies committing to the same concrete action ("we will ...") in documents whose
    periods overlap. Recommending the same thing is recurrence, not duplicated work."""
    spans = [
        (m.body or m.passage.document.organisation, period(m.passage.document))
        for m in members
        if m.passage.document.organisation and any(is_effort(p.text) for p in m.passages)
    ]
    groups = bodies([org for org, _ in spans])
    body = {org: next(n for n, g in enumerate(groups) if set(org.split("; ")) & g) for org, _ in spans if org}
    for n, (org_a, pa) in enumerate(spans):
        for org_b, pb in spans[n + 1 :]:
            if org_a and org_b and body[org_a] != body[org_b] and pa and pb and pa[0] <= pb[1] and pb[0] <= pa[1]:
                return True
    return False


#: Link types that make two passages of one document (or its versions) copies of one statement.
_COPY = ("verbatim", "near-verbatim")


def _order(p: Passage) -> tuple[int, str, int, int]:
    return (p.document.year or 9999, p.document.id, p.page, p.id)


def describe(
    cid: int,
    passages: Sequence[Passage],
    rep: int,
    member_idx: Sequence[int],
    vectors: np.ndarray,
    *,
    family: dict[str, str] | None = None,
    body_of: dict[str, str] | None = None,
    concise: Sequence[bool] | None = None,
) -> Cluster:
    """A cluster from its members: every pair judged by the engine; the same statement within one
    document or its versions folded into one member; the representative is the member that says
    the same thing as the most other documents (the medoid ``rep`` wins ties); the other members are
    typed by their link to it, and only those saying the same thing date, count and label the cluster."""
    from dedup.match import verdicts

    family = family or {}
    body_of = body_of or {}
    idx = list(dict.fromkeys(member_idx))
    n = len(idx)
    fam = [family.get(passages[i].document.id, passages[i].document.id) for i in idx]
    cos = vectors[idx] @ vectors[idx].T
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if cos[a, b] >= MIN_CANDIDATE_COSINE]
    judged = verdicts([(passages[idx[a]].text, passages[idx[b]].text) for a, b in pairs], [cos[a, b] for a, b in pairs])
    link: dict[tuple[int, int], tuple[str, float]] = {}
    for (a, b), v in zip(pairs, judged, strict=True):
        if v.type is not None:
            link[(a, b)] = link[(b, a)] = (v.type, v.score)

    def same(a: int, b: int) -> bool:
        return link.get((a, b), ("", 0.0))[0] in SAME_STATEMENT

    def copy(a: int, b: int) -> bool:
        """A repeat within one document is word for word (or nearly); across versions of a document
        (a draft and its final, a summary and its full text) a reworded statement is still one."""
        kind = link.get((a, b), ("", 0.0))[0]
        return kind in _COPY or (kind in SAME_STATEMENT and docs[a] != docs[b])

    # fold the same statement within one document family: each passage joins the first unit of its
    # family whose first passage it repeats, so repeats never chain
    docs = [passages[i].document.id for i in idx]
    seeds: list[int] = []
    units: dict[int, list[int]] = {}
    for a in sorted(range(n), key=lambda a: _order(passages[idx[a]])):
        home = next((s for s in seeds if fam[s] == fam[a] and copy(a, s)), None)
        if home is None:
            seeds.append(a)
            units[a] = [a]
        else:
            units[home].append(a)
    groups = list(units.values())
    linked: list[set[int]] = [set() for _ in groups]
    for u, gu in enumerate(groups):
        for w, gw in enumerate(groups):
            if u != w and any(same(a, b) for a in gu for b in gw):
                linked[u].add(w)
    local_rep = idx.index(rep) if rep in idx else 0
    concise = concise or [True] * len(passages)

    def anchor_key(u: int) -> tuple[int, int, bool, bool, float]:
        fams = {fam[groups[v][0]] for v in linked[u]}
        years = {passages[idx[a]].document.year for v in [u, *linked[u]] for a in groups[v]}
        strength = sum(
            max((link.get((a, b), ("", 0.0))[1] for a in groups[u] for b in groups[v]), default=0.0) for v in linked[u]
        )
        return (len(fams), len(years), any(concise[idx[a]] for a in groups[u]), local_rep in groups[u], strength)

    anchor = max(range(len(groups)), key=anchor_key)
    in_anchor = groups[anchor]
    head = (
        local_rep
        if local_rep in in_anchor
        else min(in_anchor, key=lambda a: (not concise[idx[a]], _order(passages[idx[a]])))
    )
    representative = passages[idx[head]]
    missing = [(u, a) for u, g in enumerate(groups) if u != anchor for a in g if (a, head) not in link]
    if missing:  # theme members with no judged pair to the representative: judge them now
        extra = verdicts(
            [(passages[idx[a]].text, representative.text) for _, a in missing], [cos[a, head] for _, a in missing]
        )
        for (_, a), v in zip(missing, extra, strict=True):
            link[(a, head)] = link[(head, a)] = (v.type or "related", v.score)

    # every passage saying the same thing as the representative is that statement: one member per
    # document family (a reworded repeat later in the same document is the document saying it again)
    merged: dict[str, list[int]] = {fam[head]: []}
    parts: list[tuple[list[int], bool]] = []
    for u, g in enumerate(groups):
        if u == anchor or u in linked[anchor]:
            merged.setdefault(fam[g[0]], []).extend(g)
        else:
            parts.append((g, False))
    parts += [(g, True) for g in merged.values()]
    members = []
    for g, evidence_part in parts:
        if head in g:
            first, kind, score = head, "representative", 1.0
        else:
            first = min(g, key=lambda a: _order(passages[idx[a]]))
            tied = [link[(a, b)] for a in g for b in in_anchor if same(a, b)]
            if evidence_part and tied:
                kind, score = max(tied, key=lambda t: t[1])
            else:
                kind, score = "related", link.get((first, head), ("related", 0.0))[1]
        main = passages[idx[first]]
        copies = tuple(sorted((passages[idx[a]] for a in g if a != first), key=_order))
        org = main.document.organisation
        members.append(Member(main, kind, score, copies, body_of.get(org, org) if org else None, fam[first]))
    members.sort(key=lambda m: _order(m.passage))
    evidence = [m for m in members if m.evidence]
    years = {m.passage.document.year for m in evidence if m.passage.document.year}
    orgs = bodies([m.body or m.passage.document.organisation for m in evidence])
    labels = []
    if len(years) >= 2:
        labels.append("recurring")
    if _duplicated_effort(evidence):
        labels.append("duplicated-effort")
    families = {m.family for m in evidence}
    scope = "" if len(families) < 2 else "across-organisations" if len(orgs) > 1 else "within-organisation"
    return Cluster(cid, representative, members, tuple(labels), scope)


def find_recurring(
    store: Store,
    embedder: VectorSpace,
    *,
    all_passages: bool = False,
    organisation: str | None = None,
    years: tuple[int | None, int | None] = (None, None),
    min_documents: int = 2,
    threshold: float | None = None,
    themes: bool = True,
    roll_up: bool = True,
) -> list[Cluster]:
    """Clusters of passages making the same recommendation, most recurring first: by documents
    saying the same thing (a draft and its final version, or a summary and its full text, counted
    once), then by bodies, then by the years spanned. By default only ``recommendation`` passages;
    ``all_passages`` takes all.

    ``years`` limits the corpus to documents of those years; ``organisation`` keeps clusters in which
    that organisation, or one of its units, says the same thing. ``themes=False`` drops clusters whose
    members say the same thing in fewer than ``min_documents`` documents (they only share a theme).
    ``roll_up`` counts an organisation's units as the organisation itself (see ``Store.body_of``)."""
    from dedup.match import bulk

    with bulk():  # each passage's features (tokens, polarity) computed once for every pair it is in
        return _find_recurring(
            store,
            embedder,
            all_passages=all_passages,
            organisation=organisation,
            years=years,
            min_documents=min_documents,
            threshold=threshold,
            themes=themes,
            roll_up=roll_up,
        )


def _find_recurring(
    store: Store,
    embedder: VectorSpace,
    *,
    all_passages: bool = False,
    organisation: str | None = None,
    years: tuple[int | None, int | None] = (None, None),
    min_documents: int = 2,
    threshold: float | None = None,
    themes: bool = True,
    roll_up: bool = True,
) -> list[Cluster]:
    from dedup.cluster import representatives
    from dedup.match import forget
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
    family = store.document_families()
    orgs = {p.document.organisation for p in passages if p.document.organisation}
    body_of = {o: (store.body_of(o) or o) if roll_up else o for o in orgs}
    position = {p.id: n for n, p in enumerate(passages)}

    def describe_part(rep: int, mem: Sequence[int]) -> Cluster:
        return describe(0, passages, rep, mem, vectors, family=family, body_of=body_of, concise=concise)

    def split(rep: int, mem: list[int]) -> list[Cluster]:
        """The cluster of ``mem``, and the parts split off it: members on its theme that say the same
        thing as each other (in the engine's strict sense) in two or more documents are a
        recommendation of their own, until no such group is left."""
        c = describe_part(rep, mem)
        rest = [position[q.id] for m in c.theme for q in m.passages]
        if len({passages[i].document.id for i in rest}) < 2:
            return [c]
        (sub_rep,) = representatives([rest], vectors, prefer=concise)
        sub = describe_part(sub_rep, rest)
        if sub.documents < 2:
            return [c]
        taken = {position[q.id] for m in sub.evidence for q in m.passages}
        kept = [i for i in mem if i not in taken]
        head = rep if rep in kept else representatives([kept], vectors, prefer=concise)[0]
        # the rest of the theme stays with the first part (a passage is listed in one cluster only)
        return [*split(head, kept), describe_part(sub_rep, sorted(taken))]

    described: list[Cluster] = []
    for rep, mem in zip(reps, clusters, strict=True):
        described += split(rep, list(mem))
        # a passage is in one cluster only: its features (tokens, shingles, polarity) are not needed
        # again, and kept for every clustered passage they were most of what this stage held
        forget(passages[i].text for i in mem)
    if not themes:
        described = [c for c in described if c.documents >= min_documents]
    if organisation:
        inside = {o for o in orgs if store.within(o, organisation)}
        described = [c for c in described if any(m.passage.document.organisation in inside for m in c.evidence)]
    described.sort(
        key=lambda c: (
            -c.documents,
            -c.organisations,
            -((c.years[1] or 0) - (c.years[0] or 0)),
            -len(c.theme),
            c.first.passage.id,
        )
    )
    return [
        Cluster(n + 1, c.representative, c.members, c.labels, c.scope, c.documents) for n, c in enumerate(described)
    ]
