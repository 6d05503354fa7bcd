"""The parser's thresholds in one frozen value, as pdfplumber's ``TableSettings``.

Every number that decides something about a returned form — how long a title line may be, how
far down a table its header may sit, how much of a definition's columns must be named, the gaps
that split a borderless table — is a field here with its default. :func:`pipeline.parse.parse_file`
takes a ``settings`` and passes it down to the readers and the form logic; the default is
:data:`DEFAULT`. The words the parser reads by are in ``vocabulary.toml``, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class ParseSettings:
    # --- which form, which table --------------------------------------------------------------
    #: A title is a line of at most this many characters (longer lines are prose or notes).
    title_max_chars: int = 48
    #: The column header may be this many rows down its table (in-table fields sit above it).
    max_header_row: int = 10
    #: A cell names a column by containing one of its labels only if it is this short (a label
    #: with a hint, "风险等级（A/B/C）"), never inside a data sentence.
    fuzzy_label_max_chars: int = 14
    #: Labels shorter than this name a column only exactly, never by being contained.
    fuzzy_label_min_chars: int = 3
    #: A short cell (no sentence) whose first or last word of this many characters is in the labels
    #: of one column only (具体表现, 预防措施, 部门意见, 等级评定) names that column.
    head_word_chars: int = 2
    #: A header row must name at least this many columns (or all, for a smaller table) ...
    min_named_columns: int = 2
    #: ... and at least this share of the definition's columns.
    min_column_ratio: float = 0.5
    #: Weight of the printed title and of the header fields found when definitions compete.
    title_weight: float = 1.5
    header_field_weight: float = 0.5
    #: A table whose column fit (2 × share of the definition's columns named + share of its cells
    #: explained) is better by more than this wins whatever the title says: an office retitles a
    #: form more freely than it redraws its columns.
    table_fit_margin: float = 0.2
    #: Added to the column fit of the campaign's own forms (the profile's annexes): an office that
    #: merges 000's three measure columns into one 防控措施 still returns 000's form, not another
    #: campaign's four-column one; a form of another campaign whose columns all fit still wins.
    campaign_weight: float = 0.75
    #: A short cell (at most this many characters) anywhere in a table may be a header label.
    field_cell_max_chars: int = 16
    #: A table continues the previous one on a later page when at most this many lines sit between.
    continuation_max_lines: int = 4
    #: A row with one text of more than this many characters spanning the table is a note.
    note_row_min_chars: int = 40

    # --- checks -------------------------------------------------------------------------------
    #: A risk point shorter than this many characters is too vague to be one.
    min_risk_name_chars: int = 3

    # --- borderless tables in a PDF (in character sizes unless said otherwise) -----------------
    #: A gap wider than this separates two pieces of a text line (two cells).
    piece_gap: float = 0.8
    #: The line under a header line completes it only if it is at most this far below.
    header_wrap_gap: float = 2.5
    #: A line this far below the previous one starts a new paragraph ...
    paragraph_gap: float = 2.2
    #: ... as does a line after one that stopped this short of its column's right edge.
    short_line_gap: float = 2.5
    #: Paragraph starts closer than this are one row; a line belongs to a row it starts this near.
    row_tolerance: float = 0.6
    #: Points between a column boundary and where its text wraps, and at the page's right margin.
    cell_padding_pt: float = 8
    margin_padding_pt: float = 5

    # --- scanned and photographed pages (pixels at ``ocr_dpi`` unless said otherwise) ------------
    #: Pages are read at this resolution: enough for PP-OCR's 48-pixel text lines from a 10.5 pt cell.
    ocr_dpi: int = 200
    #: Pages of one scan read at most (a return is one form of a few pages).
    ocr_max_pages: int = 6
    #: Threads one OCR engine may use (ingest already runs one worker per core).
    ocr_threads: int = 1
    #: A cell or line read with less confidence than this is flagged ``low_confidence`` for a human.
    ocr_min_confidence: float = 0.80
    #: ... and on a page sent at half the lines (a standard-mode fax), this: the strokes it lost
    #: between its lines can leave another character the recogniser is nearly sure of (审 read as
    #: 中 at 0.80 and 0.87 in bench/ocr.py's faxes); on twenty other such faxes of our forms this
    #: sent 12 more of 175 right fields to be checked.
    ocr_min_confidence_half_lines: float = 0.90
    #: Red ink (seals, stamps): at least this saturation and brightness (0–255) in HSV.
    ocr_red_min_saturation: int = 70
    ocr_red_min_value: int = 90
    #: A ruling line is at least this share of the page's width (height) long.
    ocr_min_rule_fraction: float = 0.04
    #: ... and at most this many pixels thick (a wider dark band is a shadow or the desk).
    ocr_max_rule_px: int = 12
    #: The table that straightens the page covers at least this share of it; any table this much.
    ocr_min_table_area: float = 0.08
    ocr_min_grid_area: float = 0.01
    #: A cell is at least this many pixels wide and high (smaller regions are gaps between lines).
    ocr_min_cell_px: int = 14
    #: A text row outside the tables spanning this share of the page with no gap wider than this
    #: many row heights is running prose (a printed note), not read on a form its QR code names.
    ocr_prose_min_width: float = 0.6
    ocr_prose_max_gap: float = 1.0
    #: Lone dots of ink this small (pixels) are dirt, wiped before reading.
    ocr_speck_px: int = 6
    #: A cell holds writing when at least this many of its pixels are ink (specks removed).
    ocr_min_ink_px: int = 30

    def __hash__(self) -> int:
        """Hashed in every cached look-up the parser makes with it (column labels, definition
        indexes, many a cell): computed once, not over its forty fields each time."""
        known = self.__dict__.get("_hash")
        if known is None:
            known = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", known)
        return known


DEFAULT = ParseSettings()
