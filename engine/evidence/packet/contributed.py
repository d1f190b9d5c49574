"""Contributed PDFs, treated as hostile: parsed by pypdf, copied page by page, validated.

A PDF from a source (a signed terms-of-service, an invoice, a chat export) may carry JavaScript,
an ``/OpenAction``, additional actions, launch actions, embedded files, forms — or be encrypted or
not a PDF at all. Nothing of the source document is kept but its pages' drawing: content streams,
the resources they draw with, the page boxes, and the appearance of visible annotations painted
into the content (:mod:`engine.evidence.packet.flatten`). The catalog, outlines, names, forms and
annotations are never copied; a last sweep removes action and file keys anywhere in what was
copied; and the result must re-open in pypdf's strict mode before the packet uses it.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, RectangleObject

from engine.evidence.packet.flatten import paint_annotations, printable_annotations

logging.getLogger("pypdf").setLevel(logging.ERROR)  # the refusal is recorded; no console noise

_PAGE_KEYS = ("/Resources", "/Contents", "/Rotate", "/UserUnit")
_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/A",
        "/AA",
        "/OpenAction",
        "/Launch",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/FS",
        "/RichMedia",
        "/AcroForm",
        "/XFA",
        "/Next",
    }
)
"""Keys that hold actions, scripts or files wherever they appear. Page drawing never needs them
(``/CA``/``/ca`` alpha and the like are other keys)."""


class PdfRefused(ValueError):
    """The file cannot be used as a PDF attachment; the message says why, for a person."""


class PdfTooLarge(PdfRefused):
    """A readable PDF that cannot fit the packet whatever else is in it."""


@dataclass(frozen=True)
class CleanPdf:
    """A standalone, sanitised copy of a contributed PDF's pages."""

    data: bytes
    pages: int
    removed: int
    """Action, script and file entries the last sweep removed (the annotations, painted or not,
    are gone before it)."""


def clean_pdf(path: str, max_bytes: int, max_pages: int) -> CleanPdf:
    """Open ``path`` as an untrusted PDF and return a clean copy of its pages.

    Raises :class:`PdfTooLarge` when it has more than ``max_bytes`` bytes or ``max_pages``
    pages, :class:`PdfRefused` when it is encrypted or cannot be parsed.
    """
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise PdfRefused(f"the file cannot be read ({error.strerror})") from None
    if size > max_bytes:
        raise PdfTooLarge(f"it is {size} bytes, more than the {max_bytes} bytes available")
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if b"%PDF-" not in data[:1024]:
        raise PdfRefused("it is not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on hostile input
        raise PdfRefused(f"it cannot be parsed as a PDF ({_short(error)})") from None
    if encrypted:
        raise PdfRefused("it is encrypted; a processor cannot open a protected document")
    try:
        count = len(reader.pages)
        if count == 0:
            raise PdfRefused("it has no pages")
        if count > max_pages:
            raise PdfTooLarge(f"it has {count} pages, more than the {max_pages} available")
        return _copy(reader, count)
    except PdfRefused:
        raise
    except Exception as error:  # noqa: BLE001 - a broken page or stream refuses the file
        raise PdfRefused(f"its pages cannot be read ({_short(error)})") from None


def _copy(reader: PdfReader, count: int) -> CleanPdf:
    writer = PdfWriter()
    for source in reader.pages:
        contents = source.get_contents()
        if contents is not None:
            contents.get_data()  # a content stream that does not decode refuses the file
        page = PageObject()
        page[NameObject("/Type")] = NameObject("/Page")
        page[NameObject("/MediaBox")] = RectangleObject(source.mediabox)
        if "/CropBox" in source:
            page[NameObject("/CropBox")] = RectangleObject(source.cropbox)
        for key in _PAGE_KEYS:
            if key in source:
                page[NameObject(key)] = source.raw_get(key)
        annotations = printable_annotations(source)
        if annotations:
            page[NameObject("/Annots")] = annotations
        paint_annotations(writer.add_page(page))
    removed = sum(_sweep(page) for page in writer.pages)
    buffer = io.BytesIO()
    writer.compress_identical_objects()  # and drops anything unreferenced
    writer.write(buffer)
    data = buffer.getvalue()
    check = PdfReader(io.BytesIO(data), strict=True)
    if len(check.pages) != count:
        raise PdfRefused(f"only {len(check.pages)} of its {count} pages could be copied")
    return CleanPdf(data, count, removed)


def _sweep(root: Any) -> int:
    """Delete :data:`_ACTIVE_KEYS` from every dictionary reachable from ``root``."""
    removed = 0
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        target = item.get_object() if hasattr(item, "get_object") else item
        if id(target) in seen:
            continue
        seen.add(id(target))
        if isinstance(target, DictionaryObject):
            for key in [key for key in target if key in _ACTIVE_KEYS]:
                del target[key]
                removed += 1
            stack.extend(target.raw_get(key) for key in target if key != "/Parent")
        elif isinstance(target, ArrayObject):
            stack.extend(target)
    return removed


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:200]
