"""Reading a PDF page with pdfium.

pdfplumber/pdfminer set the layout code's expectations, so the pdfium reader rebuilds exactly
what pdfplumber would have produced: characters with pdfminer's boxes (x0 at the glyph origin,
bottom at the font's descent below the baseline, top one font size above the bottom), grouped
into words with pdfplumber's rules (x/y tolerance 3; a space, or a change of font, size or
orientation, ends a word), and vector paths split into pdfminer's lines, rects and curves.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

_PDFPLUMBER_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_FPDF_PAGEOBJ_TEXT, _FPDF_PAGEOBJ_PATH, _FPDF_PAGEOBJ_FORM = 1, 2, 5
_FPDF_SEGMENT_BEZIERTO, _FPDF_SEGMENT_MOVETO = 1, 2
_SUBSET_TAG_RE = re.compile(r"^[A-Z]{6}\+")
_STANDARD_14 = frozenset(
    "Courier Courier-Bold Courier-BoldOblique Courier-Oblique Helvetica Helvetica-Bold "
    "Helvetica-BoldOblique Helvetica-Oblique Symbol Times-Bold Times-BoldItalic Times-Italic "
    "Times-Roman ZapfDingbats".split()
)
_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """m then n (PDF row-vector convention, as pdfminer's ``mult_matrix(m, n)``)."""
    a, b, c, d, e, f = m
    a1, b1, c1, d1, e1, f1 = n
    return (
        a * a1 + b * c1,
        a * b1 + b * d1,
        c * a1 + d * c1,
        c * b1 + d * d1,
        e * a1 + f * c1 + e1,
        e * b1 + f * d1 + f1,
    )


def _obj_matrix(raw: Any, obj: Any) -> _Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _address(ptr: Any) -> int:
    import ctypes

    return int(ctypes.c_void_p.from_buffer(ptr).value or 0) if ptr else 0


def _font_of(
    raw: Any, obj: Any, cache: dict[int, tuple[str, float, str]], programs: dict[tuple[str, int], str]
) -> tuple[str, float, str]:
    """(base font name without subset tag, descent per unit font size (<= 0), subset tag or "")
    of a text object's font.

    pdfminer names a font by its full BaseFont ("ABCDEE+Calibri"), and a change of name ends a
    word. pdfium drops the subset tag from simple fonts (keeping it on CID fonts); it is recovered
    from the embedded font program where that carries it, else left unknown ("").
    """
    import ctypes

    font = raw.FPDFTextObj_GetFont(obj)
    if not font:
        return "", 0.0, ""
    key = _address(font)
    hit = cache.get(key)
    if hit is None:
        n = raw.FPDFFont_GetBaseFontName(font, None, 0)
        buf = ctypes.create_string_buffer(max(int(n), 1))
        if n:
            raw.FPDFFont_GetBaseFontName(font, buf, n)
        descent = ctypes.c_float(0.0)
        raw.FPDFFont_GetDescent(font, ctypes.c_float(1.0), ctypes.byref(descent))
        full = buf.value.decode("utf-8", "replace")
        tag = full[:6] if _SUBSET_TAG_RE.match(full) else _program_tag(raw, font, full, programs)
        tag = tag or f"#{key}"  # unknown: stands for this font alone
        down = -abs(float(descent.value))
        if full in _STANDARD_14 and not raw.FPDFFont_GetIsEmbedded(font):
            # pdfminer takes the standard fonts' metrics from Adobe's AFM files; pdfium from the
            # font it substitutes (Helvetica's descent: 0.207 against 0.224 of the size)
            from pdfminer.fontmetrics import FONT_METRICS

            down = -abs(float(FONT_METRICS[full][0].get("Descent", 0.0))) / 1000.0  # type: ignore[arg-type]
        hit = cache[key] = (_SUBSET_TAG_RE.sub("", full), down, tag)
    return hit


def _program_tag(raw: Any, font: Any, name: str, programs: dict[tuple[str, int], str]) -> str:
    """The subset tag in an embedded TrueType/OpenType font's PostScript name, or "" (cached per
    document by name and program size: pages share fonts)."""
    import ctypes

    size = ctypes.c_size_t(0)
    if not raw.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size)) or not 12 <= size.value <= 20_000_000:
        return ""
    key = (name, int(size.value))
    if key not in programs:
        programs[key] = _read_program_tag(raw, font, int(size.value))
    return programs[key]


def _read_program_tag(raw: Any, font: Any, size: int) -> str:
    import ctypes
    import struct

    got = ctypes.c_size_t(0)
    data_buf = (ctypes.c_ubyte * size)()
    if not raw.FPDFFont_GetFontData(font, data_buf, size, ctypes.byref(got)):
        return ""
    data = bytes(data_buf)
    if data[:4] not in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
        return ""
    try:
        (tables,) = struct.unpack_from(">H", data, 4)
        for i in range(tables):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            if tag != b"name":
                continue
            _, count, strings = struct.unpack_from(">HHH", data, offset)
            for j in range(count):
                platform, _, _, name_id, length, at = struct.unpack_from(">HHHHHH", data, offset + 6 + 12 * j)
                if name_id != 6:
                    continue
                start = offset + strings + at
                raw_name = data[start : start + length]
                text = raw_name.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace")
                if _SUBSET_TAG_RE.match(text):
                    return text[:6]
            return ""
    except struct.error:
        return ""
    return ""


def _char_dict(
    text: str, x0: float, x1: float, y0: float, y1: float, height: float, upright: bool, font: tuple[str, str]
) -> dict[str, Any]:
    top, bottom = height - y1, height - y0
    return {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "upright": upright,
        "size": bottom - top,
        "fontname": font[0],
        "fonttag": font[1],
    }


def _char_box(
    m: _Matrix, size: float, descent: float, ox: float, oy: float, adv: float
) -> tuple[float, float, float, float]:
    """pdfminer's LTChar box, in PDF coordinates (x0, x1, y0, y1): the text-space box
    (0, descent)-(adv, descent + size) mapped by the char's matrix (all four corners)."""
    a, b, c, d = m[0], m[1], m[2], m[3]
    lo = descent * size
    hi = lo + size
    if b == 0 and c == 0:
        x0, x1, y0, y1 = ox, ox + a * adv, oy + d * lo, oy + d * hi
        return min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    xs = [a * u + c * v + ox for u in (0.0, adv) for v in (lo, hi)]
    ys = [b * u + d * v + oy for u in (0.0, adv) for v in (lo, hi)]
    return min(xs), max(xs), min(ys), max(ys)


def _reach(m: _Matrix, ox: float, oy: float, box: tuple[float, float, float, float]) -> float:
    """How far a box (left, right, bottom, top) reaches along the baseline from the origin, in
    text-space units."""
    a, b = m[0], m[1]
    norm = a * a + b * b
    if norm <= 1e-12:
        return 0.0
    left, right, bottom, top = box
    return max(0.0, max((x - ox) * a + (y - oy) * b for x in (left, right) for y in (bottom, top)) / norm)


@dataclass
class _PageObjects:
    text: dict[int, tuple[int, Any, _Matrix]] = field(default_factory=dict)  # address -> (order, obj, outer)
    paths: list[tuple[Any, _Matrix]] = field(default_factory=list)


def collect_objects(raw: Any, page: Any) -> _PageObjects:
    """Text and path objects in content-stream order, with the matrix of the forms around them."""
    found = _PageObjects()

    def walk(count: int, get: Any, outer: _Matrix, depth: int) -> None:
        for i in range(count):
            obj = get(i)
            if not obj:
                continue
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == _FPDF_PAGEOBJ_TEXT:
                found.text[_address(obj)] = (len(found.text), obj, outer)
            elif kind == _FPDF_PAGEOBJ_PATH:
                found.paths.append((obj, outer))
            elif kind == _FPDF_PAGEOBJ_FORM and depth < 12:
                inner = _mul(_obj_matrix(raw, obj), outer)
                walk(
                    raw.FPDFFormObj_CountObjects(obj),
                    lambda k, o=obj: raw.FPDFFormObj_GetObject(o, k),
                    inner,
                    depth + 1,
                )

    walk(raw.FPDFPage_CountObjects(page), lambda k: raw.FPDFPage_GetObject(page, k), _IDENTITY, 0)
    return found


def _object_info(
    raw: Any,
    textpage: Any,
    i: int,
    objects: _PageObjects,
    key: int,
    fonts: dict[int, tuple[str, float, str]],
    programs: dict[tuple[str, int], str],
    widths: dict[tuple[int, float], dict[str, float]],
    height: float,
) -> tuple[Any, ...]:
    """What the chars of one text object share: stream order, matrix, font size, font, descent,
    orientation, the font's width table, and for unturned text the offsets giving top/bottom."""
    import ctypes

    obj = raw.FPDFText_GetTextObject(textpage, i)
    fm = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, i, fm)
    m: _Matrix = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
    size = ctypes.c_float(0.0)
    raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(size))
    fs = float(size.value)
    name, descent, tag = _font_of(raw, obj, fonts, programs)
    order = objects.text.get(key, (len(objects.text), None, _IDENTITY))[0]
    upright = 0 < m[0] * m[3] and m[1] * m[2] <= 0
    font = raw.FPDFTextObj_GetFont(obj)
    known = widths.setdefault((_address(font), fs), {})
    plain = m[1] == 0 and m[2] == 0 and m[0] != 0
    lo, hi = m[3] * descent * fs, m[3] * (descent * fs + fs)
    top_off, bottom_off = height - max(lo, hi), height - min(lo, hi)
    return order, m, fs, (name, tag), descent, upright, font, known, plain, top_off, bottom_off


def pdfium_chars(
    raw: Any, textpage: Any, objects: _PageObjects, height: float, programs: dict[tuple[str, int], str]
) -> list[dict[str, Any]]:
    """pdfplumber-style char dicts, in content-stream order."""
    import ctypes

    fonts: dict[int, tuple[str, float, str]] = {}  # per page: font handles do not outlive it

    n = raw.FPDFText_CountChars(textpage)
    text = ""
    if n > 0:
        buf = (ctypes.c_ushort * (n + 1))()
        got = raw.FPDFText_GetText(textpage, 0, n, buf)
        text = bytes(buf)[: 2 * max(0, got - 1)].decode("utf-16-le", "replace")
    aligned = len(text) == n
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box = raw.FS_RECTF()
    p_ox, p_oy, p_box = ctypes.byref(ox), ctypes.byref(oy), ctypes.byref(box)
    gw = ctypes.c_float()
    p_gw = ctypes.byref(gw)
    tl, tr, tb, tt = (ctypes.c_double() for _ in range(4))
    p_l, p_r, p_b, p_t = (ctypes.byref(v) for v in (tl, tr, tb, tt))
    widths: dict[tuple[int, float], dict[str, float]] = {}
    per_obj: dict[int, tuple[Any, ...]] = {}
    out: list[dict[str, Any]] = []
    orders: list[tuple[int, int]] = []
    last_at: tuple[int, float, float] | None = None
    # an untyped twin of FPDFText_GetTextObject: it returns the object's address as an int, which
    # is all most chars need (the typed call plus a cast costs four times as much)
    object_at = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(
        ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value or 0
    )
    page_handle = ctypes.cast(textpage, ctypes.c_void_p).value
    get_origin, get_loose = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetLooseCharBox
    for i in range(max(n, 0)):
        key = object_at(page_handle, i)
        if not key:
            continue  # a space or line break pdfium made up; pdfplumber has none
        ch = text[i] if aligned else chr(raw.FPDFText_GetUnicode(textpage, i))
        if ch in "\x02\ufffe":  # pdfium's marks for a line-end hyphen / a char without unicode
            ch = "-" if raw.FPDFText_GetUnicode(textpage, i) == 2 else ""
            if not ch:
                continue
        info = per_obj.get(key)
        if info is None:
            info = per_obj[key] = _object_info(raw, textpage, i, objects, key, fonts, programs, widths, height)
        order, m, fs, font, descent, upright, font_ptr, known, plain, top_off, bottom_off = info
        get_origin(textpage, i, p_ox, p_oy)
        get_loose(textpage, i, p_box)
        px, py = ox.value, oy.value
        # the advance: pdfium's loose box spans it, unless the glyph overhangs (italics, "f");
        # the font's width for the char is exact where it agrees with the box
        a = m[0]
        if plain:
            scale = a if a > 0 else -a
            loose = (box.right - px) / a if a > 0 else (px - box.left) / -a
            if loose < 0.0:
                loose = 0.0
        else:
            scale = math.hypot(a, m[1])
            loose = _reach(m, px, py, (box.left, box.right, box.bottom, box.top))
        width = known.get(ch)
        if width is None:
            width = -1.0
            if (
                font_ptr
                and len(ch) == 1
                and ord(ch) < 0x10000
                and raw.FPDFFont_GetGlyphWidth(font_ptr, ord(ch), fs, p_gw)
            ):
                width = float(gw.value)
            known[ch] = width
        adv = loose
        if width > 0 and (width - loose) * scale <= 0.01:
            if (loose - width) * scale <= 0.01:
                adv = width
            else:
                raw.FPDFText_GetCharBox(textpage, i, p_l, p_r, p_b, p_t)
                if _reach(m, px, py, (tl.value, tr.value, tb.value, tt.value)) >= loose - 0.01 / (scale or 1.0):
                    adv = width  # the glyph sticks out past its advance
        if not plain and m[1] and abs(a) < 1e-4 and abs(px - m[4]) < 1e-3:
            # a turned label whose matrix has a rounding residue (a = 7.5e-08 for a 90 degree turn):
            # the residue moves each origin by less than a float's step, but pdfminer's doubles keep
            # it, and it decides the order of the stacked letters; restore it
            px = m[4] + a * (py - m[5]) / m[1]
        here = (key, px, py)
        if here == last_at and out:
            # one glyph, several chars (a "ti" ligature): pdfminer has one char spanning the glyph
            adv = loose
            prev = out[-1]
            prev["x0"], prev["x1"], _, _ = _char_box(m, fs, descent, px, py, adv)
        last_at = here
        if plain:
            x0, x1 = (px, px + a * adv) if a > 0 else (px + a * adv, px)
            top, bottom = top_off - py, bottom_off - py
        else:
            x0, x1, y0, y1 = _char_box(m, fs, descent, px, py, adv)
            top, bottom = height - y1, height - y0
        out.append(
            {
                "text": ch,
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "upright": upright,
                "size": bottom - top,
                "fontname": font[0],
                "fonttag": font[1],
            }
        )
        orders.append((order, i))
    # pdfium drops text objects of zero width (a lone space shown with its own Tj); pdfminer keeps
    # them, and that space is what separates two words set closer than the 3pt word tolerance.
    for key, (order, obj, outer) in objects.text.items():
        if key in per_obj:
            continue
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        if abs(right.value - left.value) >= 0.01:
            continue  # text pdfium chose to leave out for another reason (e.g. marked content)
        m = _mul(_obj_matrix(raw, obj), outer)
        fs = ctypes.c_float(0.0)
        raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(fs))
        name, descent, tag = _font_of(raw, obj, fonts, programs)
        upright = 0 < m[0] * m[3] and m[1] * m[2] <= 0
        x0, x1, y0, y1 = _char_box(m, float(fs.value), descent, m[4], m[5], 0.0)
        out.append(_char_dict(" ", x0, x1, y0, y1, height, upright, (name, tag)))
        orders.append((order, -1))
    if any(a > b for a, b in zip(orders, orders[1:], strict=False)):
        ranked = sorted(range(len(out)), key=orders.__getitem__)
        out = [out[k] for k in ranked]
    return out


def words_from_chars(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pdfplumber's ``extract_words(x_tolerance=3, y_tolerance=3, extra_attrs=["size", "fontname"])``.

    Runs of chars with the same orientation, size and font (in stream order) are split into lines
    (tops within 3pt, chained), each line sorted by x0 and cut into words at spaces and gaps > 3pt.
    Only upright words are returned (the caller drops the others anyway).
    """
    words: list[dict[str, Any]] = []
    for group in _runs(chars):
        if not group[0]["upright"]:
            continue
        cluster_of: dict[float, int] = {}
        last: float | None = None
        cid = -1
        for t in sorted({c["top"] for c in group}):
            if last is None or t > last + 3:
                cid += 1
            cluster_of[t] = cid
            last = t
        lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in group:
            lines[cluster_of[c["top"]]].append(c)
        for k in sorted(lines):
            current: list[dict[str, Any]] = []
            for c in sorted(lines[k], key=lambda c: c["x0"]):
                if c["text"].isspace():
                    if current:
                        words.append(_merge_chars(current))
                    current = []
                    continue
                if current:
                    prev = current[-1]
                    if c["x0"] < prev["x0"] or c["x0"] > prev["x1"] + 3 or abs(c["top"] - prev["top"]) > 3:
                        words.append(_merge_chars(current))
                        current = []
                current.append(c)
            if current:
                words.append(_merge_chars(current))
    return words


def _runs(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive chars of one orientation, size and full font name (as pdfminer splits them).

    Where pdfium dropped a simple font's subset tag and the font program does not carry it, the
    tag stands in as the font's handle ("#<address>"): a different subset of the face, as pdfminer
    would see it. Except in Word's PDFs, which tag every subset "ABCDEE+" and pair a simple and a
    CID font of one face: where the page's fonts show that tag, a hidden tag is taken to be it.
    """
    shared = "ABCDEE" if any(c["fonttag"] == "ABCDEE" for c in chars) else None
    runs: list[list[dict[str, Any]]] = []
    key: tuple[bool, float, str, str] | None = None
    for c in chars:
        tag = c["fonttag"]
        if shared is not None and tag.startswith("#"):
            tag = shared
        here = (c["upright"], round(c["size"], 3), c["fontname"], tag)
        if here != key:
            runs.append([])
            key = here
        runs[-1].append(c)
    return runs


def _merge_chars(chars: list[dict[str, Any]]) -> dict[str, Any]:
    first = chars[0]
    return {
        "text": "".join(_PDFPLUMBER_LIGATURES.get(c["text"], c["text"]) for c in chars),
        "x0": min(c["x0"] for c in chars),
        "x1": max(c["x1"] for c in chars),
        "top": min(c["top"] for c in chars),
        "bottom": max(c["bottom"] for c in chars),
        "upright": first["upright"],
        "size": first["size"],
        "fontname": first["fontname"],
    }


@dataclass
class Shapes:
    """Vector graphics as pdfminer classifies them (top-down coordinates)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    rects: list[dict[str, Any]] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)

    def edge_count(self) -> int:
        return len(self.lines) + 4 * len(self.rects) + sum(len(c["pts"]) - 1 for c in self.curves)

    def edges(self) -> list[dict[str, Any]]:
        from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges

        out = [line_to_edge(ln) for ln in self.lines]
        for r in self.rects:
            out.extend(rect_to_edges(r))
        for c in self.curves:
            out.extend(curve_to_edges(c))
        return out


def _shape_dict(pts: list[tuple[float, float]], height: float) -> dict[str, Any]:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    top = height - y1
    return {
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "top": top,
        "bottom": height - y0,
        "doctop": top,
        "width": x1 - x0,
        "height": y1 - y0,
        "pts": [(x, height - y) for x, y in pts],
    }


def pdfium_shapes(raw: Any, objects: _PageObjects, height: float) -> Shapes:
    """Split painted paths into subpaths and classify them like pdfminer's ``paint_path``.

    pdfminer keeps one point per operator (a curve's end point; ``h`` repeats the start), calls a
    two-point subpath a line and a closed axis-aligned four-sided one a rect, anything else a curve.
    """
    import ctypes

    shapes = Shapes()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    px, py = ctypes.c_float(), ctypes.c_float()
    for obj, outer in objects.paths:
        if (
            raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
            and not fill.value
            and not stroke.value
        ):
            continue  # a clipping path, never painted
        m = _mul(_obj_matrix(raw, obj), outer)
        a, b, c, d, e, f = m
        subpaths: list[list[tuple[str, tuple[float, float]]]] = []
        bezier = 0
        for k in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            if not seg or not raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(px), ctypes.byref(py)):
                continue
            x, y = float(px.value), float(py.value)
            pt = (a * x + c * y + e, b * x + d * y + f)
            kind = raw.FPDFPathSegment_GetType(seg)
            closes = bool(raw.FPDFPathSegment_GetClose(seg))
            if kind == _FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([("m", pt)])
                bezier = 0
                if closes:
                    subpaths[-1].append(("h", pt))
                continue
            start = subpaths[-1][0][1]
            if kind == _FPDF_SEGMENT_BEZIERTO:
                bezier += 1
                if bezier % 3:
                    continue  # control points: pdfminer keeps only the end point of "c"
                subpaths[-1].append(("c", pt))
            elif closes and pt == start:
                subpaths[-1].append(("h", start))  # pdfium writes "h" as a line back to the start
                continue
            else:
                subpaths[-1].append(("l", pt))
            if closes:
                subpaths[-1].append(("h", start))
        for sub in subpaths:
            shape = "".join(op for op, _ in sub)
            pts = [p for _, p in sub]
            if shape in ("ml", "mlh"):
                shapes.lines.append(_shape_dict(pts[:2], height))
            elif shape in ("mlllh", "mllll"):
                (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
                square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                    y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
                )
                (shapes.rects if pts[0] == pts[4] and square else shapes.curves).append(_shape_dict(pts, height))
            elif len(pts) > 1 or shape != "m":
                shapes.curves.append(_shape_dict(pts, height))
    return shapes


class TablePage:
    """Just enough of a pdfplumber page for its table finder: edges, chars and bbox."""

    def __init__(self, chars: list[dict[str, Any]], edges: list[dict[str, Any]], bbox: tuple[float, ...]) -> None:
        self.chars = chars
        self.edges = edges
        self.bbox = bbox

    def find_tables(self) -> list[Any]:
        from pdfplumber.table import TableFinder

        tables = list(TableFinder(self).tables)  # type: ignore[arg-type]  # duck-typed page
        for table in tables:
            # Table.extract tests every char of its page against every row; hand it only the
            # chars inside the table (the others can never fall in a cell)
            x0, top, x1, bottom = table.bbox
            inside = [
                c
                for c in self.chars
                if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
            ]
            table.page = TablePage(inside, [], self.bbox)  # type: ignore[assignment]
        return tables


def media_box(raw: Any, page: Any) -> tuple[float, float, float, float] | None:
    """The page's MediaBox (pdfplumber's page box), or None where pdfium cannot tell it apart."""
    import ctypes

    vals = [ctypes.c_float() for _ in range(4)]
    if raw.FPDFPage_GetMediaBox(page.raw, *(ctypes.byref(v) for v in vals)):
        left, bottom, right, top = (float(v.value) for v in vals)
        return min(left, right), min(bottom, top), abs(right - left), abs(top - bottom)
    # inherited from the page tree: pdfium's bounding box is MediaBox cut by any CropBox
    if raw.FPDFPage_GetCropBox(page.raw, *(ctypes.byref(v) for v in vals)):
        return None  # a CropBox of its own but an inherited MediaBox: the MediaBox is unknown
    bbox = page.get_bbox()
    left, bottom, right, top = (float(v) for v in bbox)
    return left, bottom, right - left, top - bottom
