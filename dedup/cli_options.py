"""The command line's options, declared once: each command names them in its signature, and
:func:`grouped` expands the groups several commands share (the file limits, the clustering filters)
into their options, so a command takes one :class:`~dedup.limits.Limits` or :class:`Clustering`."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from dedup.limits import Limits
from dedup.render.table import Format

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="DEDUP_STORE",
        help="The store (SQLite file). Default: indexes/dedup.db; the DEDUP_STORE variable also sets it.",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or notes on stderr.")]
DeviceOpt = Annotated[
    str,
    typer.Option(
        "--device",
        envvar="DEDUP_DEVICE",
        help="Where to embed and search: auto (a CUDA GPU when there is one), cpu, or cuda.",
    ),
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table (terminal), json, csv, md, or xlsx (needs --out)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to this file instead of stdout.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="A sentence-transformers model folder, or all-MiniLM-L6-v2+same-point-1 (the packaged model with dedup's fine-tuned layers). Default: the store's model, else the packaged all-MiniLM-L6-v2.",
    ),
]
MaxFileOpt = Annotated[float, typer.Option("--max-file-mb", min=0.001, help="Refuse files larger than this many MB.")]
MaxCharsOpt = Annotated[
    int, typer.Option("--max-chars", min=1, help="Refuse files holding more characters of text than this.")
]
MaxPassagesOpt = Annotated[
    int, typer.Option("--max-passages", min=1, help="Refuse documents cut into more passages than this.")
]
MaxDocxOpt = Annotated[
    float, typer.Option("--max-docx-xml-mb", min=0.001, help="Refuse DOCX files whose XML inflates past this many MB.")
]
AllOpt = Annotated[bool, typer.Option("--all", help="Cluster every passage, not only recommendations.")]
OrgFilter = Annotated[str | None, typer.Option("--org", help="Only clusters this organisation takes part in.")]
LabelOpt = Annotated[
    str | None, typer.Option("--label", help="Only clusters with this label: recurring, or duplicated-effort.")
]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Only documents of these years, e.g. 2015-2020.")]
MinDocsOpt = Annotated[
    int, typer.Option("--min-documents", help="Only clusters spanning at least this many documents.")
]
ThemesOpt = Annotated[
    bool,
    typer.Option(
        "--themes",
        help="Also list clusters whose passages only share a theme (no two documents say the same thing).",
    ),
]
UnitsOpt = Annotated[
    bool,
    typer.Option("--units", help="Count an organisation's units as bodies of their own (default: roll up to parents)."),
]
ClusterLimitOpt = Annotated[int, typer.Option(min=0, help="Show at most this many clusters (0 = all).")]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        help="How alike members must be on average: a pair weight on a fixed scale, about 0 for "
        "unrelated passages and 1 for the same words (default 0.16, one setting for every corpus; "
        "lower gives bigger, looser clusters).",
    ),
]


@dataclass(frozen=True)
class Clustering:
    """What `recurring` and `scan` cluster and show, each field one option."""

    all_: AllOpt = False
    org: OrgFilter = None
    label: LabelOpt = None
    years: YearsOpt = None
    min_documents: MinDocsOpt = 2
    threshold: ThresholdOpt = None
    themes: ThemesOpt = False
    units: UnitsOpt = False
    limit: ClusterLimitOpt = 30

    @property
    def filtered(self) -> bool:
        """The user narrowed the search."""
        return bool(self.org or self.years or self.label or self.min_documents > 2)


#: Each group a command may take as one argument: its options in the order `--help` lists them.
GROUPS: dict[type, dict[str, Any]] = {
    Limits: {
        "max_file_mb": MaxFileOpt,
        "max_chars": MaxCharsOpt,
        "max_passages": MaxPassagesOpt,
        "max_docx_xml_mb": MaxDocxOpt,
    },
    Clustering: typing.get_type_hints(Clustering, include_extras=True),
}


def grouped(fn: Callable[..., None]) -> Callable[..., None]:
    """``fn`` with a signature (what typer reads) where each parameter annotated with a group of
    :data:`GROUPS` is that group's options, in its place, each defaulting to the field of the
    parameter's default (``limits: Limits = DEFAULT_LIMITS``); called with them, it calls ``fn``
    with the group built from them."""
    signature = inspect.signature(fn, eval_str=True)
    params: list[inspect.Parameter] = []
    groups: dict[str, tuple[type, list[str]]] = {}
    for param in signature.parameters.values():
        options = GROUPS.get(param.annotation)
        if options is None:
            params.append(param)
            continue
        groups[param.name] = (param.annotation, list(options))
        params += [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=opt, default=getattr(param.default, name)
            )
            for name, opt in options.items()
        ]

    @functools.wraps(fn)
    def call(**kwargs: Any) -> None:
        for name, (group, options) in groups.items():
            kwargs[name] = group(**{option: kwargs.pop(option) for option in options})
        fn(**kwargs)

    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params]
    )
    call.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return call
