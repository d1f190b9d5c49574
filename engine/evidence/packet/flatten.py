"""Drawing a contributed page's visible annotations into its content, so none need be kept.

A signed terms-of-service PDF shows the signature and the filled-in name through annotation
appearance streams (form widgets, stamps, ink). Annotations are also where actions live (links
that launch programs or run JavaScript, file attachments). Keeping only each visible annotation's
rectangle and appearance, then painting it into the page as a printer does, keeps what a
reviewer sees and drops every annotation, and with them every action.
"""

from __future__ import annotations

from typing import Any, cast

from pypdf import PageObject
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

_HIDDEN = 1 << 1
_NO_VIEW = 1 << 5
_NOT_PRINTED_KINDS = frozenset({"/Popup", "/Link"})
"""Never drawn on paper: a popup is a note's window, a link has no appearance of its own."""


def _number(value: Any) -> float:
    return float(value.get_object() if hasattr(value, "get_object") else value)


def _box(values: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (_number(item) for item in list(values.get_object())[:4])
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _apply(matrix: list[float], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _appearance(annotation: DictionaryObject) -> IndirectObject | None:
    """The normal appearance to draw (for a checkbox or radio button: its current state), as
    the reference to its stream (streams are always indirect in a well-formed file)."""
    appearances = annotation.get("/AP")
    if not isinstance(appearances, DictionaryObject) or "/N" not in appearances:
        return None
    normal = appearances.raw_get("/N")
    if isinstance(normal.get_object(), DictionaryObject) and not isinstance(
        normal.get_object(), StreamObject
    ):
        states = normal.get_object()
        state = annotation.get("/AS")
        normal = states.raw_get(state) if state is not None and state in states else None
    if not isinstance(normal, IndirectObject):
        return None
    return normal if isinstance(normal.get_object(), StreamObject) else None


def _placement(rect: Any, form: StreamObject) -> str | None:
    """The ``cm`` operands that map the form's transformed box onto the annotation's rectangle
    (PDF 32000-1 §12.5.5); ``None`` for a degenerate box."""
    x0, y0, x1, y1 = _box(rect)
    bx0, by0, bx1, by1 = _box(form["/BBox"])
    matrix = [_number(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])][:6]
    corners = [_apply(matrix, x, y) for x, y in ((bx0, by0), (bx1, by0), (bx0, by1), (bx1, by1))]
    left, right = min(x for x, _ in corners), max(x for x, _ in corners)
    bottom, top = min(y for _, y in corners), max(y for _, y in corners)
    if right - left <= 0 or top - bottom <= 0:
        return None
    sx, sy = (x1 - x0) / (right - left), (y1 - y0) / (top - bottom)
    return f"{sx:.6f} 0 0 {sy:.6f} {x0 - left * sx:.6f} {y0 - bottom * sy:.6f}"


def printable_annotations(page: PageObject) -> ArrayObject:
    """The page's visible annotations reduced to a rectangle and one appearance stream each:
    no action, no field, no file, no link to anything else in the source document."""
    kept = ArrayObject()
    annotations = page.get("/Annots")
    if not isinstance(annotations, ArrayObject):
        return kept
    for reference in annotations:
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject) or "/Rect" not in annotation:
            continue
        if annotation.get("/Subtype") in _NOT_PRINTED_KINDS:
            continue
        if int(annotation.get("/F", 0)) & (_HIDDEN | _NO_VIEW):
            continue
        form = _appearance(annotation)
        if form is None or "/BBox" not in cast(StreamObject, form.get_object()):
            continue
        rect = ArrayObject(FloatObject(value) for value in _box(annotation["/Rect"]))
        appearance = DictionaryObject({NameObject("/N"): form})
        kept.append(DictionaryObject({NameObject("/Rect"): rect, NameObject("/AP"): appearance}))
    return kept


def paint_annotations(page: PageObject) -> int:
    """Paint the appearances :func:`printable_annotations` kept into the page's content and drop
    ``/Annots``. ``page`` must belong to a writer (the new content stream is added to it).

    The page's own content is wrapped in ``q``/``Q`` so that a graphics state it leaves behind
    cannot displace the painted appearances. Returns how many were painted.
    """
    annotations = page.get("/Annots")
    if annotations is None:
        return 0
    del page[NameObject("/Annots")]
    drawing: list[str] = []
    forms: dict[str, Any] = {}
    for annotation in annotations.get_object():
        annotation = annotation.get_object()
        reference = annotation["/AP"].raw_get("/N")
        placement = _placement(annotation["/Rect"], reference.get_object())
        if placement is None:
            continue
        name = f"/DisputesAnnot{len(forms)}"
        forms[name] = reference
        drawing.append(f"q {placement} cm {name} Do Q")
    if not forms:
        return 0
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    for name, form in forms.items():
        xobjects[NameObject(name)] = form
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources
    original = page.get_contents()
    body = original.get_data() if original is not None else b""
    content = DecodedStreamObject()
    content.set_data(b"q\n" + body + b"\nQ\n" + "\n".join(drawing).encode("ascii") + b"\n")
    page.replace_contents(ArrayObject([content.flate_encode()]))
    return len(forms)
