"""The Word house style shared by renkou's documents (evaluation and impact reports): fonts
(宋体 body, 黑体 headings), page set-up with page numbers, bordered tables with a repeated
header row and rows kept whole, paragraphs and headings."""

from __future__ import annotations

from collections.abc import Mapping

from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Row

BODY_FONT = "宋体"
HEAD_FONT = "黑体"
LATIN_FONT = "Times New Roman"
CN_NUM = "一二三四五六七八九十"


def set_fonts(run_or_style: object, east: str, size: float | None = None,
              bold: bool | None = None) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def setup_document(doc: DocumentObject) -> None:
    normal = doc.styles["Normal"]
    set_fonts(normal, BODY_FONT, 12)
    normal.paragraph_format.line_spacing = 1.35  # type: ignore[attr-defined]
    for name, size in (("Heading 1", 16), ("Heading 2", 14), ("Title", 22)):
        style = doc.styles[name]
        set_fonts(style, HEAD_FONT, size, True)
        style.font.color.rgb = RGBColor(0, 0, 0)  # type: ignore[attr-defined]
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.orientation = WD_ORIENT.PORTRAIT
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _page_numbers(section.footer.paragraphs[0])


def _page_numbers(p: object) -> None:
    """Centered "第 N 页" footer with a PAGE field."""
    para = p  # docx.text.paragraph.Paragraph
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER  # type: ignore[attr-defined]
    para.add_run("第 ")  # type: ignore[attr-defined]
    run = para.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    para.add_run(" 页")  # type: ignore[attr-defined]


def shade(cell: object, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def add_table(doc: DocumentObject, header: list[str], rows: list[list[str]],
              widths: list[float], size: float = 9,
              fills: Mapping[int, Mapping[str, str]] | None = None
              ) -> Table:
    """A bordered table; ``fills`` maps a column to value → background colour."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(header):
        cell = t.rows[0].cells[i]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        set_fonts(run, HEAD_FONT, size, True)
        shade(cell, "DDEBF7")
    _repeat_header(t)
    for r in rows:
        row = t.add_row()
        _keep_whole(row)
        cells = row.cells
        for i, v in enumerate(r):
            cells[i].text = ""
            run = cells[i].paragraphs[0].add_run(v)
            set_fonts(run, BODY_FONT, size)
            if fills and i in fills and v in fills[i]:
                shade(cells[i], fills[i][v])
    # LibreOffice reads the grid columns, Word the cell widths: set both.
    t.autofit = False
    for i, w in enumerate(widths):
        t.columns[i].width = Cm(w)
    for row in t.rows:
        for i, w in enumerate(widths):
            row.cells[i].width = Cm(w)
    return t


def _keep_whole(row: _Row) -> None:
    """A row is not split across pages (a value would sit apart from its 示范数据 line)."""
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _repeat_header(t: Table) -> None:
    trpr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def add_paragraph(doc: DocumentObject, text: str, *, bold: bool = False, size: float | None = None,
                  align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True) -> None:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    set_fonts(run, BODY_FONT, size, bold)


def add_heading(doc: DocumentObject, text: str, level: int) -> None:
    h = doc.add_heading(level=level)
    run = h.add_run(text)
    set_fonts(run, HEAD_FONT, 16 if level == 1 else 14, True)
    run.font.color.rgb = RGBColor(0, 0, 0)
