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


def soften(gray: np.ndarray, speck_px: int = 0) -> np.ndarray:
    """A 1-bit page (fax, a scanner's black-and-white mode) given back its grey edges: recognisers
    are trained on anti-aliased text, and jagged stair-step strokes cost them whole characters.
    Its specks of at most ``speck_px`` pixels with no ink within :data:`SPECK_CLEAR` pixels are
    wiped first, while they are still black dots: blurred, a one-pel speck is a light grey dot
    (226 at its darkest) that no ink threshold keeps and so no later wiping finds, and the
    recogniser read it as a full stop ("1.." for "1.")."""
    import cv2

    sample = gray[::4, ::4]
    if np.count_nonzero((sample > 16) & (sample < 240)) > 0.01 * sample.size:
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


def deskew(gray: np.ndarray) -> np.ndarray:
    """The page rotated so its long straight lines (table rules, underlines) run level: the median
    angle of the near-horizontal segments a probabilistic Hough transform finds. A skew of a few
    degrees would otherwise break every ruling line into pieces shorter than a line kernel. The
    lines are sought on the page at half size: a line a fifth of the page long gives its angle to
    a tenth of a degree there too, in a quarter of the time."""
    import cv2

    h, w = gray.shape
    half = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    hw = half.shape[1]
    segments = cv2.HoughLinesP(ink(half), 1, np.pi / 720, threshold=max(50, hw // 8), minLineLength=hw // 5,
                               maxLineGap=max(2, hw // 200))
    if segments is None:
        return gray
    angles = [np.degrees(np.arctan2(y1 - y0, x1 - x0)) for x0, y0, x1, y1 in segments.reshape(-1, 4).astype(float)]
    angles = [a for a in angles if abs(a) <= 15]
    if not angles:
        return gray
    angle = float(np.median(angles))
    if abs(angle) < 0.1:
        return gray
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


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


def rulings(binary: np.ndarray, settings: ParseSettings) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling lines: ink runs far longer than any character and thinner
    than ``ocr_max_rule_px``, found by morphological openings and closed over small breaks (fax, blur)."""
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
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * RULE_OVERHANG + 1, 3)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 2 * RULE_OVERHANG + 1)))
    short_v = _bridging(binary, horiz, settings.ocr_min_cell_px, vertical=True)
    short_h = _bridging(binary, vert, settings.ocr_min_cell_px, vertical=False)
    return cv2.bitwise_or(horiz, short_h), cv2.bitwise_or(vert, short_v)


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
    in one homography); a page without a table big enough is left as it is."""
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
