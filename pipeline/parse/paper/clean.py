"""Page clean-up before reading: red ink out, light evened, page upright and straight.

All of it is OpenCV: colour separation in HSV, background division for uneven light (a large
morphological closing estimates the paper's brightness, and dividing by it leaves only the ink),
and a perspective warp from the four corners of the page's largest ruled table — the outer border
of our forms is a rectangle on paper, so whatever quadrilateral it became in a photo or a skewed
scan says exactly how to undo it.
"""

from __future__ import annotations

import numpy as np

from pipeline.parse.settings import ParseSettings


def without_red(rgb: np.ndarray, settings: ParseSettings) -> np.ndarray:
    """The page in gray with red ink (seals, stamps, a reviewer's red pen) dropped out the way
    form scanners drop a colour: where the hue is red, the gray is taken from the red channel,
    in which red ink is as light as paper while black or blue ink under it stays dark — a seal
    over a cell leaves the writing beneath it."""
    import cv2

    if rgb.ndim == 2:
        return rgb
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = cv2.split(hsv)
    red = ((h <= 12) | (h >= 165)) & (s >= settings.ocr_red_min_saturation) & (v >= settings.ocr_red_min_value)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if np.count_nonzero(red) < 50:
        return gray
    ink_r = max(float(np.percentile(rgb[..., 0][red], 90)), 1.0)  # the seal's own red, as bright as it gets
    # The red channel is harmless on black and blue ink too, so the mask is widened over the
    # seal's faint anti-aliased rim, which is not saturated enough to count as red itself.
    red = cv2.dilate(red.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    r = rgb[..., 0][red].astype(np.float32)
    gray[red] = np.clip(r * (255.0 / ink_r), 0, 255).astype(np.uint8)
    return gray


#: The paper's brightness varies over centimetres, so it is estimated on the page shrunk this many
#: times — a closing and a blur with a kernel a fortieth of the page cost 16 times less there.
LIGHT_SCALE = 4


def flatten(gray: np.ndarray) -> np.ndarray:
    """Uneven light removed: each pixel divided by the paper's local brightness around it."""
    import cv2

    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // LIGHT_SCALE), max(1, h // LIGHT_SCALE)), interpolation=cv2.INTER_AREA)
    k = max(5, (min(small.shape) // 40) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.resize(cv2.GaussianBlur(background, (0, 0), k / 2), (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(background, 1), scale=255)


#: How far a speck on a 1-bit page stands from other ink to be dirt (:func:`soften`): a character
#: a standard-mode fax broke lies in pieces a line or two apart (wiping pieces up to 2 pixels from
#: others cost the 200 × 100 fax of tests/test_paper.py a third of its fields); the speck read
#: beside "1." lay seven away.
SPECK_CLEAR = 3


def bilevel(gray: np.ndarray) -> bool:
    """Whether a page is 1-bit (a fax, a scanner's black-and-white mode): hardly a pixel of it
    grey, judged on every fourth pixel of every fourth row."""
    sample = gray[::4, ::4]
    return np.count_nonzero((sample > 16) & (sample < 240)) <= 0.01 * sample.size


#: The share of a 1-bit page's rows of ink that repeat the row above exactly when it was sent at
#: half the lines and squared by repeating them: about half (98 lines an inch stretched to 204:
#: 0.52-0.54 on bench/ocr.py's faxes), against a few in a hundred on a fine-mode fax (196
#: stretched to 204: 0.00-0.03) or a page scanned square.
HALF_LINES_SHARE = 0.35


def half_lines(gray: np.ndarray) -> bool:
    """Whether a 1-bit page (:func:`bilevel`) came with half as many lines as pels across — a
    standard-mode fax, squared by repeating each line (:func:`pipeline.parse.paper.pages._square`):
    at least :data:`HALF_LINES_SHARE` of its rows with ink repeat the row above pixel for pixel.
    Told from the pixels as the page is read, before it is softened; a grey page's rows of ink
    thresholded repeat as often wherever its ink is thick, so it is never taken for one."""
    if not bilevel(gray):
        return False
    rows = gray < 128
    inked = rows[1:].any(axis=1)
    same = (rows[1:] == rows[:-1]).all(axis=1) & inked
    return bool(inked.any()) and int(same.sum()) >= HALF_LINES_SHARE * int(inked.sum())


def soften(gray: np.ndarray, speck_px: int = 0) -> np.ndarray:
    """A 1-bit page (fax, a scanner's black-and-white mode) given back its grey edges: recognisers
    are trained on anti-aliased text, and jagged stair-step strokes cost them whole characters.
    Its specks of at most ``speck_px`` pixels with no ink within :data:`SPECK_CLEAR` pixels are
    wiped first, while they are still black dots: blurred, a one-pel speck is a light grey dot
    (226 at its darkest) that no ink threshold keeps and so no later wiping finds, and the
    recogniser read it as a full stop ("1.." for "1.")."""
    import cv2

    if not bilevel(gray):
        return gray
    if speck_px:
        dirt = specks((gray < 128).astype(np.uint8), speck_px, SPECK_CLEAR)
        if dirt.any():
            gray = gray.copy()
            gray[dirt] = 255
    return cv2.GaussianBlur(gray, (0, 0), 1.0)


def specks(binary: np.ndarray, max_px: int, clear: int = 0) -> np.ndarray:
    """Dots of ink no larger than ``max_px`` pixels standing alone — fax and scanner dirt — as a
    mask: a recogniser reads them as "·" or "“". The smallest real mark, a full stop, is larger.
    With ``clear``, only dots with no other ink within that many pixels: on a 1-bit page a
    character that lost a thin stroke falls into pieces as small as dirt, but close together."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    small = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= max_px)
    small = small[small > 0]
    if not small.size:
        return np.zeros(binary.shape, bool)
    mask = np.isin(labels, small)
    if clear:
        other = ((binary > 0) & ~mask).astype(np.uint8)
        near = cv2.dilate(other, np.ones((2 * clear + 1, 2 * clear + 1), np.uint8)) > 0
        mask &= ~np.isin(labels, np.unique(labels[mask & near]))
    return mask


def upright(gray: np.ndarray, orientation: int) -> np.ndarray:
    """The page turned by the quarter turns that make the QR code (printed upright) upright again."""
    import cv2

    turns = round(orientation / 90) % 4
    return {0: gray, 1: cv2.rotate(gray, cv2.ROTATE_90_COUNTERCLOCKWISE), 2: cv2.rotate(gray, cv2.ROTATE_180),
            3: cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)}[turns]


def deskew(gray: np.ndarray, stepped: bool = False) -> np.ndarray:
    """The page rotated so its long straight lines (table rules, underlines) run level: the median
    angle of the near-horizontal segments a probabilistic Hough transform finds. A skew of a few
    degrees would otherwise break every ruling line into pieces shorter than a line kernel. The
    lines are sought on the page at half size: a line a fifth of the page long gives its angle to
    a tenth of a degree there too, in a quarter of the time.

    A ``stepped`` page — 1-bit, as a fax sends it — is measured by its rows instead
    (:func:`_profile_angle`): a thin rule fed in crooked comes out as level dashes a scan line
    apart, lost where it straddles two lines, so each segment Hough finds is level (0°) or none is
    long enough, and the page was left crooked with its table's rules in pieces."""
    import cv2

    h, w = gray.shape
    angle = _profile_angle(gray) if stepped else _hough_angle(gray)
    if angle is None or abs(angle) < 0.1:
        return gray
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def _hough_angle(gray: np.ndarray) -> float | None:
    """The median angle (degrees) of the near-horizontal segments on the page at half size."""
    import cv2

    h, w = gray.shape
    half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    hw = half.shape[1]
    segments = cv2.HoughLinesP(ink(half), 1, np.pi / 720, threshold=max(50, hw // 8), minLineLength=hw // 5,
                               maxLineGap=max(2, hw // 200))
    if segments is None:
        return None
    angles = [np.degrees(np.arctan2(y1 - y0, x1 - x0)) for x0, y0, x1, y1 in segments.reshape(-1, 4).astype(float)]
    angles = [a for a in angles if abs(a) <= 15]
    return float(np.median(angles)) if angles else None


#: The skews :func:`_profile_angle` tries (degrees either way), coarse then fine: a fax feeds a
#: page a degree or two crooked at most, and a scan far more crooked is not 1-bit.
PROFILE_RANGE, PROFILE_COARSE, PROFILE_FINE = 5.0, 0.5, 0.1


def _profile_angle(gray: np.ndarray) -> float:
    """The rotation (degrees) that makes the page's rows of ink sharpest: the one whose row sums
    change most from row to row (the sum of squared differences of the horizontal projection),
    on the page at a quarter size, tried every :data:`PROFILE_COARSE` degrees and then every
    :data:`PROFILE_FINE` around the best. Text lines and rules, whole or in dashes, all sharpen at
    the page's skew. Written here because OpenCV has no skew finder; each try is one warpAffine."""
    import cv2

    h, w = gray.shape
    small = ink(cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA))
    sh, sw = small.shape
    small = small.astype(np.float32)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D((sw / 2, sh / 2), angle, 1.0)
        rows = cv2.warpAffine(small, m, (sw, sh), flags=cv2.INTER_LINEAR, borderValue=0).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    coarse = max(np.arange(-PROFILE_RANGE, PROFILE_RANGE + 1e-9, PROFILE_COARSE), key=sharpness)
    fine = np.arange(coarse - PROFILE_COARSE, coarse + PROFILE_COARSE + 1e-9, PROFILE_FINE)
    return float(max(fine, key=sharpness))


def ink(gray: np.ndarray, max_gray: int = 200) -> np.ndarray:
    """Ink as 255 on 0: darker than its neighbourhood (a threshold relative to the surroundings,
    for a flattened page and a 1-bit fax alike) and darker than ``max_gray`` outright, so the
    faint rim a dropped-out seal leaves, or a shadow's edge, is not taken for writing."""
    import cv2

    local = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12)
    return cv2.bitwise_and(local, (gray < max_gray).astype(np.uint8) * 255)


#: How far the ruling-line mask reaches past a line's ends: lines are dilated along their length to
#: close a fax's or a blur's breaks, so a table's box stands this far out from its border.
RULE_OVERHANG = 7


def rulings(binary: np.ndarray, settings: ParseSettings, broken: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines: ink runs far longer than any character and thinner
    than ``ocr_max_rule_px``, found by morphological openings and closed over small breaks (fax, blur).
    On a ``broken`` page (1-bit: a fax) the dashes a rule fell into are joined (:func:`_join_dashes`)."""
    import cv2

    h, w = binary.shape
    lh = max(20, int(w * settings.ocr_min_rule_fraction))
    lv = max(20, int(h * settings.ocr_min_rule_fraction))
    t = settings.ocr_max_rule_px
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (lh, 1)))
    vert = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, lv)))
    # A ruling line is thin: a long band thicker than that (the desk along a photographed page's
    # edge, a shadow, a solid bar) is taken out, or it would be a "table" swallowing the real one.
    horiz = cv2.subtract(horiz, cv2.morphologyEx(horiz, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (lh, t))))
    vert = cv2.subtract(vert, cv2.morphologyEx(vert, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (t, lv))))
    if broken:  # the vertical lines handled as horizontal ones of the page transposed
        horiz, vert = _join_dashes(horiz, DASH_STEP), _join_dashes(vert.T.copy(), DASH_STEP).T.copy()
        horiz, vert = _to_crossing(horiz, vert), _to_crossing(vert.T.copy(), horiz.T.copy()).T.copy()
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * RULE_OVERHANG + 1, 3)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 2 * RULE_OVERHANG + 1)))
    short_v = _bridging(binary, horiz, settings.ocr_min_cell_px, vertical=True)
    short_h = _bridging(binary, vert, settings.ocr_min_cell_px, vertical=False)
    return cv2.bitwise_or(horiz, short_h), cv2.bitwise_or(vert, short_v)


def _runs(mask: np.ndarray) -> list[tuple[int, int, float, float, int]]:
    """The horizontal runs of a line mask: (start, end, row at the start, row at the end, mean
    thickness). The rows are measured at each end, not from the bounding box, which a run still
    a little sloped makes as tall as its drop."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        end = min(3, w)
        out.append((x, x + w, y + float(ys[xs < end].mean()), y + float(ys[xs >= w - end].mean()),
                    max(1, round(area / w))))
    return out


#: How far apart across two dashes of one broken rule may lie (pixels): a scan line of the
#: coarsest fax (98 lines an inch, squared to 204 dpi) is two, and the page is level by then —
#: a rule of a box drawn beside the table (a flow chart's) lies further off.
DASH_STEP = 3


def _join_dashes(mask: np.ndarray, tolerance: int) -> np.ndarray:
    """A horizontal line mask with the dashes of one broken rule joined: two runs whose facing
    ends lie at most ``tolerance`` pixels apart across and whose gap is shorter than the shorter run.

    A thin rule fed into a fax a little crooked falls on one scan line, then on the next, and where
    it straddles two neither holds enough ink to turn black: it comes out as long dashes a line
    apart with gaps a tenth as long — longer the straighter the page was fed, so no fixed closing
    kernel fits, while a run long enough to be a rule (the opening's length) beside another in
    its band with a shorter gap between them is one rule, not two. OpenCV gives the runs
    (connected components); joining them by that rule is written here."""
    import cv2

    runs = _runs(mask)
    by_row: dict[int, list[tuple[int, int, float, float, int]]] = {}
    for r in runs:  # looked up by the row they start at, so a page of many runs is not read n² times
        by_row.setdefault(round(r[2]), []).append(r)
    out = mask.copy()
    for a0, a1, _, a_row, a_thick in runs:
        row = round(a_row)
        ahead = [r for y in range(row - tolerance, row + tolerance + 1) for r in by_row.get(y, ())
                 if r[0] > a1 and abs(r[2] - a_row) <= tolerance]
        if not ahead:
            continue
        b0, b1, b_row, _, b_thick = min(ahead, key=lambda r: r[0])
        if b0 - a1 < min(a1 - a0, b1 - b0):
            cv2.line(out, (a1 - 1, round(a_row)), (b0, round(b_row)), 255, max(a_thick, b_thick))
    return out


def _to_crossing(mask: np.ndarray, across: np.ndarray) -> np.ndarray:
    """A horizontal line mask with each run that ends in the open carried on to the first
    vertical line of ``across`` beyond that end, when it is nearer than half the run's length: on
    a broken page (:func:`_join_dashes`) the last dash before a table's corner or a column's rule
    may be lost, which leaves the cell there open to the outside or to its neighbour, and a rule
    ends where it meets another. A run already meeting a line at its end is left as it is (a
    table's rule beside the underline of a field over it is not carried on to it). ``across`` is
    looked at in a band either side of the run: the line it meets may stop short of it, as that
    rule lost its end dash too."""
    import cv2

    out = mask.copy()
    k = RULE_OVERHANG
    for start, end, start_row, end_row, thick in _runs(mask):
        reach = (end - start) // 2
        for row, lo, hi, after in ((start_row, max(0, start - reach), start, False), (end_row, end, end + reach, True)):
            r = round(row)
            band = across[max(0, r - k):r + k + 1]
            edge = end if after else start
            if band[:, max(0, edge - k):edge + k].any():
                continue
            hits = np.flatnonzero(band[:, lo:hi].any(axis=0))
            if hits.size:
                x = lo + int(hits[0] if after else hits[-1])
                cv2.line(out, (x, r), (end - 1 if after else start, r), 255, thick)
    return out


def _bridging(binary: np.ndarray, across: np.ndarray, length: int, *, vertical: bool) -> np.ndarray:
    """Short ruling lines: straight runs of ink at least ``length`` long that meet a line of
    ``across`` at both ends — the rule between two cells of a one-line row (44 pixels at 150 dpi,
    shorter than the length that tells a ruling line from a character's stroke) or across a
    narrow column. A character's stroke may touch a ruling line at one end, never at both."""
    import cv2

    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, length) if vertical else (length, 1))
    runs = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    keep = []
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        if vertical:
            ends = across[y:y + 3, x:x + w], across[y + h - 3:y + h, x:x + w]
        else:
            ends = across[y:y + h, x:x + 3], across[y:y + h, x + w - 3:x + w]
        if ends[0].any() and ends[1].any():
            keep.append(i)
    return np.isin(labels, keep).astype(np.uint8) * 255 if keep else np.zeros_like(binary)


def ruled(lines: np.ndarray, settings: ParseSettings) -> list[np.ndarray]:
    """The outer contours of the ruled tables in a line mask: line structures enclosing at least two
    cell-sized holes. A lone frame — a photographed page's edge, a box around the whole page —
    encloses one hole and is not a table, however large."""
    import cv2

    contours, hierarchy = cv2.findContours(lines, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    hierarchy = hierarchy[0]
    m = settings.ocr_min_cell_px
    out = []
    for i, (_, _, child, parent) in enumerate(hierarchy):
        if parent != -1:
            continue
        holes = 0
        while child != -1:
            _, _, w, h = cv2.boundingRect(contours[child])
            holes += w >= m and h >= m
            child = hierarchy[child][0]
        if holes >= 2:
            out.append(contours[i])
    return out


def _corners(points: np.ndarray) -> np.ndarray:
    """Four points ordered top-left, top-right, bottom-right, bottom-left."""
    s = points.sum(axis=1)
    d = np.diff(points, axis=1).ravel()
    return np.float32([points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]])


def straighten(gray: np.ndarray, settings: ParseSettings) -> np.ndarray:
    """The page warped so its largest ruled table is an upright rectangle (deskew and perspective
    in one homography); a page without a table big enough is left as it is. The rules are not
    joined over breaks here (:func:`rulings`' ``broken``): a joined rule that reached a line off
    the table bent its corners, and a page that breaks rules (a fax) has no perspective to undo."""
    import cv2

    horiz, vert = rulings(ink(gray), settings)
    page_area = gray.shape[0] * gray.shape[1]
    big = max(ruled(cv2.bitwise_or(horiz, vert), settings), key=cv2.contourArea, default=None)
    if big is None or cv2.contourArea(big) < settings.ocr_min_table_area * page_area:
        return gray
    hull = cv2.convexHull(big)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2)
    if len(quad) != 4:
        box = cv2.boxPoints(cv2.minAreaRect(big))
        quad = box
    src = _corners(quad.astype(np.float32))
    tl, tr, br, bl = src
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    x0, y0 = float(tl[0]), float(tl[1])
    dst = np.float32([[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]])
    m = cv2.getPerspectiveTransform(src, dst)
    h, w = gray.shape
    return cv2.warpPerspective(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
