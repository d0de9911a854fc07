"""The JSON shapes of what the core returns (documented in the README; keep them stable)."""

from __future__ import annotations

import dataclasses
from typing import Any

from dedup.models import Document, Link, Passage


def document_json(d: Document) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "organisation": d.organisation, "year": d.year, "source": d.source}


def passage_json(p: Passage) -> dict[str, Any]:
    return {
        "id": p.id,
        "text": p.text,
        "page": p.page,
        "page_end": p.page_end or p.page,
        "kind": p.kind,
        "heading": p.heading,
        "label": p.label,
        "document": document_json(p.document),
    }


def link_json(link: Link) -> dict[str, Any]:
    return {"a": passage_json(link.a), "b": passage_json(link.b), "score": round(link.score, 4), "type": link.type}


def member_json(m: Any) -> dict[str, Any]:
    """A cluster member (dedup.recurring.Member): its passage, link type, score, the body it counts
    as, and the same statement again in its document or in a version of it (``copies``)."""
    return {
        "passage": passage_json(m.passage),
        "type": m.type,
        "score": round(m.score, 4),
        "body": m.body,
        "copies": [{"id": p.id, "page": p.page, "document": document_json(p.document)} for p in m.copies],
    }


def cluster_json(c: Any) -> dict[str, Any]:
    """A recurring-recommendation cluster (dedup.recurring.Cluster). ``members`` say the same thing
    and alone set first, years, counts and labels; ``same_theme`` members only share the subject."""
    first = c.first.passage.document
    return {
        "id": c.id,
        "representative": c.representative.text,
        "representative_passage": passage_json(c.representative),
        "labels": list(c.labels),
        "scope": c.scope,
        "first": {
            "organisation": first.organisation,
            "body": c.first.body,
            "year": first.year,
            "document": document_json(first),
        },
        "years": list(c.years),
        "documents": c.documents,
        "confirmed_documents": c.documents,
        "organisations": c.organisations,
        "copies": c.copies,
        "members": [member_json(m) for m in c.evidence],
        "same_theme": [member_json(m) for m in c.theme],
    }


def _quote_json(quote: Any, draft_text: str) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {
        "how": quote.how,
        "score": round(quote.score, 4),
        "draft_start": quote.draft_start,
        "draft_end": quote.draft_end,
        "draft_text": draft_text[quote.draft_start : quote.draft_end],
        "corpus_text": quote.corpus_text,
        "passages": [p.id for p in quote.passages],
    }


def draft_check_json(check: Any, most: int = 5) -> dict[str, Any]:
    """A draft check (dedup.draft.DraftCheck)."""
    return {
        "draft": {
            "source": check.source,
            "title": check.title,
            "pages": {str(n): t for n, t in sorted(check.pages.items())},
            "in_store": document_json(check.in_store) if check.in_store is not None else None,
            "excluded": [document_json(d) for d in check.excluded],
        },
        "summary": {
            "recommendations": len(check.recommendations),
            "repeated": len(check.repeated),
            "new": len(check.new),
            "most_repeated": [
                {
                    "text": p.draft.text,
                    "times": p.times,
                    "documents": len({m.passage.document.id for m in p.repeats}),
                    "organisations": len(
                        {
                            check.body_of.get(m.passage.document.organisation, m.passage.document.organisation)
                            for m in p.repeats
                            if m.passage.document.organisation
                        }
                    ),
                    "document_ids": sorted({m.passage.document.id for m in p.repeats}),
                }
                for p in check.most_repeated(most)
            ],
            "new_recommendations": [p.draft.text for p in check.new],
        },
        "passages": [
            {
                "text": p.draft.text,
                "page": p.draft.page,
                "page_end": p.draft.page_end or p.draft.page,
                "start": p.draft.start,
                "end": p.draft.end,
                "kind": p.draft.kind,
                "heading": p.draft.heading,
                "label": p.draft.label,
                "status": p.status,
                "times": p.times,
                "matches": [
                    {
                        "passage": passage_json(m.passage),
                        "score": round(m.score, 4),
                        "type": m.type,
                        "quote": _quote_json(m.quote, p.draft.text),
                        "answers": m.answers,
                    }
                    for m in p.matches
                ],
            }
            for p in check.passages
        ],
    }


def report_json(report: Any) -> dict[str, Any]:
    """What ``dedup report`` renders (dedup.corpus.Report), as the HTML report takes it."""
    return {
        "generated": report.generated.strftime("%Y-%m-%d %H:%M"),
        "store": str(report.store),
        "documents": [document_json(d) | {"format": d.format, "passages": d.passage_count} for d in report.documents],
        "summary": dataclasses.asdict(report.summary),
        "clusters": [cluster_json(c) for c in report.clusters],
        "org_matrix": {"organisations": report.org_matrix.organisations, "counts": report.org_matrix.counts},
        "overlaps": [
            {
                "a": document_json(o.a),
                "b": document_json(o.b),
                "links": o.links,
                "share_a": o.share_a,
                "share_b": o.share_b,
            }
            for o in report.overlaps
        ],
    }
