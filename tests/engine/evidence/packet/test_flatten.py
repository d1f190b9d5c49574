"""Annotation appearances painted into the page: where they belong, and only the visible ones."""

from __future__ import annotations

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from engine.evidence.packet.flatten import paint_annotations, printable_annotations


def form(
    writer: PdfWriter,
    bbox: tuple[int, ...],
    matrix: tuple[int, ...] | None = None,
    drawing: bytes = b"0 0 m 10 10 l S",
) -> object:
    stream = DecodedStreamObject()
    stream.set_data(drawing)
    stream[NameObject("/Subtype")] = NameObject("/Form")
    stream[NameObject("/BBox")] = ArrayObject(NumberObject(v) for v in bbox)
    if matrix:
        stream[NameObject("/Matrix")] = ArrayObject(NumberObject(v) for v in matrix)
    return writer._add_object(stream)


def annotation(rect: tuple[int, ...], normal: object, **extra: object) -> DictionaryObject:
    found = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Stamp"),
            NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): normal}),
        }
    )
    for key, value in extra.items():
        found[NameObject(f"/{key}")] = value
    return found


def dictionary(value: PdfObject) -> DictionaryObject:
    """pypdf resolves a looked-up entry but types it as any PDF object: narrow it."""
    assert isinstance(value, DictionaryObject), value
    return value


def painted(writer: PdfWriter, *annotations: DictionaryObject) -> tuple[int, str, PageObject]:
    source = PageObject.create_blank_page(width=600, height=800)
    source[NameObject("/Annots")] = ArrayObject(writer._add_object(a) for a in annotations)
    page = PageObject()
    page[NameObject("/Type")] = NameObject("/Page")
    page[NameObject("/MediaBox")] = source.mediabox
    page[NameObject("/Annots")] = printable_annotations(source)
    added = writer.add_page(page)
    count = paint_annotations(added)
    contents = added.get_contents()
    return count, (contents.get_data().decode() if contents is not None else ""), added


def test_an_appearance_is_scaled_and_moved_onto_its_rectangle() -> None:
    # given a stamp whose 100x10 appearance must fill the rectangle 50,50 → 250,70
    writer = PdfWriter()
    stamp = annotation((50, 50, 250, 70), form(writer, (0, 0, 100, 10)))

    # when its page is painted
    count, content, page = painted(writer, stamp)

    # then it is drawn once, scaled 2x and moved to the rectangle, and no annotation is left
    assert count == 1
    assert "q 2.000000 0 0 2.000000 50.000000 50.000000 cm /DisputesAnnot0 Do Q" in content
    assert "/Annots" not in page
    assert "/DisputesAnnot0" in dictionary(dictionary(page["/Resources"])["/XObject"])


def test_a_rotated_appearance_is_placed_by_its_transformed_box() -> None:
    # given an appearance rotated 90° by its matrix: its 100x10 box becomes 10 wide, 100 high
    writer = PdfWriter()
    stamp = annotation((0, 0, 20, 200), form(writer, (0, 0, 100, 10), (0, 1, -1, 0, 0, 0)))

    _, content, _ = painted(writer, stamp)

    # the transformed box runs x -10..0, y 0..100: scale 2 and shift right by 20
    assert "q 2.000000 0 0 2.000000 20.000000 0.000000 cm" in content


def test_hidden_links_popups_and_appearance_less_annotations_are_not_painted() -> None:
    writer = PdfWriter()
    appearance = form(writer, (0, 0, 10, 10))
    hidden = annotation((0, 0, 10, 10), appearance, F=NumberObject(2))
    link = annotation((0, 0, 10, 10), appearance, Subtype=NameObject("/Link"))
    bare = annotation((0, 0, 10, 10), appearance)
    del bare["/AP"]

    count, _, page = painted(writer, hidden, link, bare)

    assert count == 0
    assert "/Annots" not in page


def test_a_checkbox_is_painted_in_its_current_state_only() -> None:
    writer = PdfWriter()
    on = form(writer, (0, 0, 10, 10), drawing=b"0 0 m 10 10 l S % checked")
    off = form(writer, (0, 0, 10, 10), drawing=b"% unchecked")
    states = DictionaryObject({NameObject("/Yes"): on, NameObject("/Off"): off})
    box = annotation((0, 0, 10, 10), states, AS=NameObject("/Yes"), Subtype=NameObject("/Widget"))

    count, _, page = painted(writer, box)

    assert count == 1
    drawn = dictionary(dictionary(page["/Resources"])["/XObject"])["/DisputesAnnot0"]
    assert isinstance(drawn, StreamObject), drawn
    assert drawn.get_data() == b"0 0 m 10 10 l S % checked"
