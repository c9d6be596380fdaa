"""Page layout of the Excel forms departments fill in (填报表版式): wrapped text with row
heights that fit it, print setup (A4, fit to the page width, header row repeated, page
numbers), and sheet protection that leaves only the input cells editable.

Why explicit row heights: LibreOffice Calc does not recompute the height of rows with
wrapped text when it opens an .xlsx written by openpyxl (no row heights stored), so wrapped
lines overprint each other on screen and in print. The heights here are estimated from the
text (a CJK character is about two character widths of the default font).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from typing import Any

from openpyxl.styles import Alignment, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

LINE_HEIGHT = 15.0  # points per line of 11 pt text (Calc and Excel default row ≈ 15 pt)


def text_width(text: str) -> float:
    """Width of ``text`` in column-width units (wide East Asian characters count two)."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
                     for ch in text))


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped cell of column width ``width`` needs for ``text``."""
    usable = max(width - 1.5, 1.0)  # cell padding
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def wrap_and_fit(ws: Any, widths: dict[int, float], wrap: Iterable[int], first_row: int,
                 last_row: int, *, min_lines: int = 1) -> None:
    """Set column widths, wrap the ``wrap`` columns (1-based) and give every row in
    ``first_row..last_row`` the height its longest wrapped cell needs."""
    wrapped = set(wrap)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in range(first_row, last_row + 1):
        lines = min_lines
        for col in range(1, ws.max_column + 1):
            cell = ws.cell(row, col)
            if col in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="center")
                if cell.value is not None:
                    lines = max(lines, lines_needed(str(cell.value), widths.get(col, 8.43)))
            else:
                cell.alignment = Alignment(vertical="center",
                                           horizontal=cell.alignment.horizontal)
        ws.row_dimensions[row].height = LINE_HEIGHT * lines + 3


def print_setup(ws: Any, *, landscape: bool, last_col: int, last_row: int,
                title_rows: str | None = None, header: str = "") -> None:
    """A4, fit to one page wide (as many pages down as needed), narrow margins, the title
    rows repeated on every page, the plan named in the header and page numbers below."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3,
                                  footer=0.3)
    ws.print_area = f"A1:{get_column_letter(last_col)}{max(last_row, 1)}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    if header:
        ws.oddHeader.center.text = header
        ws.oddHeader.center.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def protect_except(ws: Any, columns: Iterable[int], first_row: int, last_row: int) -> None:
    """Protect the sheet (no password: this guards against slips, not against users) with
    only ``columns`` × ``first_row..last_row`` editable. Column widths and row heights can
    still be changed, and locked cells can still be selected and copied."""
    for col in columns:
        for row in range(first_row, last_row + 1):
            ws.cell(row, col).protection = Protection(locked=False)
    prot = ws.protection
    prot.sheet = True
    prot.formatColumns = False  # False = allowed while protected
    prot.formatRows = False
    prot.selectLockedCells = False
    prot.selectUnlockedCells = False
