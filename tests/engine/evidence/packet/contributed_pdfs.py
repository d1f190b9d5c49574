"""Real PDFs a source might contribute, made with WeasyPrint and pypdf: plain, hostile, locked."""

from __future__ import annotations

import io
import os
from pathlib import Path

import weasyprint
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

SCRIPT = "EVILSCRIPTMARKER()"
"""pypdf escapes punctuation in strings it writes: the marker is one plain word."""
EMBEDDED = b"EVILEMBEDDEDPAYLOAD"
SIGNATURE = "SIGNED BY JANE CUSTOMER"


def document_pdf(path: Path, title: str, pages: int = 1, heavy: bool = False) -> Path:
    """``pages`` A4 pages, each saying ``{title} page {n}``; ``heavy`` adds an incompressible
    image on the first page (about 300 kB), for byte budgets."""
    image = ""
    if heavy:
        noise = Image.frombytes("RGB", (320, 320), os.urandom(320 * 320 * 3))
        noise_path = path.with_suffix(".noise.png")
        noise.save(noise_path)
        image = f'<img src="{noise_path.as_uri()}" style="width:8cm">'
    body = "".join(
        f'<p style="{"break-before: page" if n > 1 else ""}">{title} page {n}</p>'
        for n in range(1, pages + 1)
    )
    path.write_bytes(weasyprint.HTML(string=f"<h1>{title}</h1>{image}{body}").write_pdf())
    return path


def _action(kind: str, **values: object) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in values.items():
        action[NameObject(f"/{key}")] = value
    return action


def _signature_widget(writer: PdfWriter) -> DictionaryObject:
    """A form widget whose appearance shows a signature line, plus actions of its own."""
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    appearance = DecodedStreamObject()
    appearance.set_data(f"BT /Helv 12 Tf 2 6 Td ({SIGNATURE}) Tj ET".encode())
    appearance.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(NumberObject(v) for v in (0, 0, 240, 24)),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject("/Helv"): font})}
            ),
        }
    )
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("signature"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (60, 300, 300, 324)),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
            NameObject("/AA"): DictionaryObject(
                {NameObject("/Fo"): _action("/JavaScript", JS=TextStringObject(SCRIPT))}
            ),
        }
    )


def hostile_pdf(path: Path) -> Path:
    """A one-page signed terms PDF that carries every active thing a viewer might run: an
    OpenAction script, document and page additional actions, a JavaScript name tree, a launch
    link, a script link, an embedded file and a file-attachment annotation."""
    plain = document_pdf(path.with_suffix(".plain.pdf"), "Terms of service")
    writer = PdfWriter(clone_from=plain)
    writer.add_attachment("payload.exe", EMBEDDED)
    writer.add_open_action(_action("/JavaScript", JS=TextStringObject(SCRIPT)))  # type: ignore[arg-type]
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/JavaScript", JS=TextStringObject(SCRIPT))}
    )
    launch = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (50, 50, 200, 80)),
            NameObject("/A"): _action("/Launch", F=TextStringObject("calc.exe")),
        }
    )
    script_link = DictionaryObject(launch)
    script_link[NameObject("/A")] = _action("/JavaScript", JS=TextStringObject(SCRIPT))
    attached_file = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (10, 10, 30, 30)),
            NameObject("/FS"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Filespec"),
                    NameObject("/F"): TextStringObject("payload.exe"),
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        writer._add_object(annotation)
        for annotation in (launch, script_link, attached_file, _signature_widget(writer))
    )
    writer._root_object[NameObject("/AA")] = DictionaryObject(
        {NameObject("/WC"): _action("/JavaScript", JS=TextStringObject(SCRIPT))}
    )
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def encrypted_pdf(path: Path) -> Path:
    """Readable with an empty user password — still refused: a processor may not open it."""
    writer = PdfWriter(clone_from=document_pdf(path.with_suffix(".plain.pdf"), "Invoice 42"))
    writer.encrypt(user_password="", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def garbage_pdf(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.7\n" + os.urandom(2048) + b"\n%%EOF\n")
    return path


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without whitespace: pypdf splits some kerned pairs ("T erms")."""
    return "".join(text.split())
