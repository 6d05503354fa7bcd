"""RapidOCR (PP-OCR models run by onnxruntime) as an OCR engine.

The ``rapidocr-onnxruntime`` wheel carries its detection, direction and recognition models, so
nothing is fetched at run time. onnxruntime is told how many threads to use: ingest already runs
one worker per core, and a second pool of threads per worker only makes them fight.

Memory is set by the recogniser's batches, not by the models (about 80 MB loaded): a batch is
padded to its widest line, and its activations grow with lines × width — six page-wide lines in
one batch cost 350 MB more than the models. Lines are therefore batched by width
(:data:`BATCH_WIDTH` pixels of padded line at the recogniser's height); a page-wide line goes
alone. On one thread a larger batch is no faster: the padding costs what the fewer calls save.
"""

from __future__ import annotations

import importlib.util
import re

import numpy as np

from pipeline._exec.ocr import TextLine

ENGINE_NAME = "rapidocr"
#: Characters a form never holds that the recogniser reads for one it does: a mid-height dot is a
#: comma whose tail a 1-bit fax broke off (bench/ocr.py's fax scans: each "·" was a "，").
LOOKALIKES = {"·": "，"}
#: Padded width (pixels at the recogniser's 48-pixel height) one batch of lines may take.
BATCH_WIDTH = 1600
REC_HEIGHT = 48
INSTALL_HINT = "安装 RapidOCR：pip install 'lianzheng[ocr]'（即 rapidocr-onnxruntime）"


def available() -> bool:
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


class RapidEngine:
    name = ENGINE_NAME

    def __init__(self, threads: int) -> None:
        from rapidocr_onnxruntime import RapidOCR

        n = max(1, threads)
        # Cells are upright once the page is straightened, so the 180° classifier only costs time;
        # the detector's default ("min" side 736) would blow a 40-pixel cell up to 736 pixels high,
        # so regions are only ever scaled down ("max"). A strip wider than eight times its height
        # is not letterboxed to a quarter of its width in height (width_height_ratio -1): the
        # padding quadrupled the detector's input for a page-wide strip — 100 MB of activations —
        # and found no line more.
        self._ocr = RapidOCR(intra_op_num_threads=n, inter_op_num_threads=1, use_cls=False,
                             det_limit_type="max", det_limit_side_len=1500,
                             width_height_ratio=-1)
        self._masks: dict[str, np.ndarray] = {}
        # The classes that are white space: a space dropped or read costs nothing.
        self._spaces = np.array([i for i, c in enumerate(self._ocr.text_rec.postprocess_op.character)
                                 if c.isspace()], np.intp)

    def _moves(self, alphabet: re.Pattern[str]) -> list[tuple[int, int]]:
        """(class, class) pairs of :data:`LOOKALIKES` whose first ``alphabet`` leaves out and whose
        second it allows."""
        chars = self._ocr.text_rec.postprocess_op.character
        return [(chars.index(a), chars.index(b)) for a, b in LOOKALIKES.items() if a in chars and b in chars
                and alphabet.fullmatch(a) is None and alphabet.fullmatch(b) is not None]

    def _mask(self, alphabet: re.Pattern[str]) -> np.ndarray:
        """1 for each recogniser class ``alphabet`` allows (the CTC blank always), else 0."""
        if alphabet.pattern not in self._masks:
            chars = self._ocr.text_rec.postprocess_op.character
            self._masks[alphabet.pattern] = np.array(
                [i == 0 or alphabet.fullmatch(c) is not None for i, c in enumerate(chars)], np.float32)
        return self._masks[alphabet.pattern]

    def read(self, region: np.ndarray, alphabet: re.Pattern[str] | None = None) -> list[TextLine]:
        """The detector finds the lines, the recogniser reads them as :meth:`read_lines` does."""
        import cv2

        ocr = self._ocr
        image = cv2.cvtColor(region, cv2.COLOR_GRAY2BGR) if region.ndim == 2 else region
        h, w = image.shape[:2]
        scaled, ratio_h, ratio_w = ocr.preprocess(image)
        padded, record = ocr.maybe_add_letterbox(scaled, {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}})
        boxes, _ = ocr.auto_text_det(padded)
        if boxes is None:
            # The caller hands over only regions with ink in them: when the detector finds no
            # line (a lone small character, "中"), the region is read whole as one line.
            return [TextLine(t, c, (0, 0, w, h)) for t, c in self.read_lines([image], alphabet) if t.strip()]
        read = self.read_lines(ocr.get_crop_img_list(padded, boxes), alphabet)
        out = []
        for box, (text, conf) in zip(ocr._get_origin_points(boxes, record, h, w), read):
            xs, ys = box[:, 0], box[:, 1]
            out.append(TextLine(text, conf, (int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))))
        return out

    def read_lines(self, lines: list[np.ndarray], alphabet: re.Pattern[str] | None = None) -> list[tuple[str, float]]:
        """Each line's text and the probability of its least sure character. The recogniser's own
        score is the mean over the characters, which stays above 0.9 when one character of twenty
        is a wrong guess (在 read as 作 on a fax); the office must see that line.

        With an ``alphabet`` the text is decoded over its characters only: where a character
        outside it wins a step, the likeliest allowed one is taken instead — usually the right one,
        as the recogniser ranks it second — or the one it stands for on paper (:data:`LOOKALIKES`:
        a "·" is a comma whose tail a 1-bit fax lost, and the allowed runner-up of a "·" held at
        0.99 is a guess among "：．，" at 0.002). The line is then no surer than the probability
        left outside the alphabet allows: a step that gave 0.7 to "·" makes the line's confidence
        0.3, and the office looks at it."""
        import cv2

        rec = self._ocr.text_rec
        keep = self._mask(alphabet) if alphabet is not None else None
        moves = self._moves(alphabet) if alphabet is not None else []
        images = [cv2.cvtColor(x, cv2.COLOR_GRAY2BGR) if x.ndim == 2 else x for x in lines]
        out: list[tuple[str, float]] = [("", 0.0)] * len(images)
        for batch in _batches(images):
            ratio = max(images[i].shape[1] / max(images[i].shape[0], 1) for i in batch)
            ratio = max(ratio, rec.rec_image_shape[2] / rec.rec_image_shape[1])
            tensor = np.stack([rec.resize_norm_img(images[i], ratio) for i in batch]).astype(np.float32)
            preds = rec.session(tensor)[0]
            doubt = np.zeros(len(batch), np.float32)
            if keep is not None:
                doubt = (preds * (1 - keep)).max(axis=(1, 2))
                for src, dst in moves:
                    preds[:, :, dst] += preds[:, :, src]
                preds = preds * keep
            restored = np.stack([_restored(pred, self._spaces) for pred in preds])
            for i, (text, _), pred, d in zip(batch, rec.postprocess_op(restored), preds, doubt):
                out[i] = (str(text), min(_least_sure(pred), _none_dropped(pred, self._spaces), 1.0 - float(d)))
        return out


def _least_sure(pred: np.ndarray) -> float:
    """The probability of the least sure character a CTC output (time steps × classes, class 0
    the blank) decodes to: the best class's probability at each step that starts a character."""
    best = pred.argmax(axis=1)
    starts = (best != 0) & np.concatenate(([True], best[1:] != best[:-1]))
    return float(pred.max(axis=1)[starts].min()) if starts.any() else 0.0


#: A character the recogniser holds at probability p at a step where the blank still wins may have
#: been dropped; the line is then no surer than 1 - DROP_WEIGHT × p. Measured on the scans of
#: bench/ocr.py: each dropped character (a light "、" at a line's end, a "，" under a seal) held
#: 0.13–0.24 at its step, while no line read right held more than 0.07 — 2 puts the first below
#: ``ocr_min_confidence`` (0.8) and leaves the second above it.
DROP_WEIGHT = 2.0


def _none_dropped(pred: np.ndarray, spaces: np.ndarray) -> float:
    """How sure a CTC output (time steps × classes, class 0 the blank) is that no character was
    dropped: 1 - DROP_WEIGHT × the largest probability a character holds at a step the blank
    wins, not counting the characters decoded at the steps beside it (CTC spreads a character
    over a few steps) nor white space."""
    gaps, other = _gaps(pred, spaces)
    if gaps.size == 0:
        return 1.0
    return max(0.0, 1.0 - DROP_WEIGHT * float(other.max()))


#: A character holding more than this at a step the blank wins is read, not dropped
#: (:func:`_restored`): the dropped characters of bench/ocr.py held 0.13–0.24 there, and no line
#: read right held more than 0.07.
RESTORE_MIN = 0.1


def _gaps(pred: np.ndarray, spaces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The steps of a CTC output the blank wins, and the probability of each class there but the
    blank, white space and the characters decoded at the steps beside it (CTC spreads a character
    over a few steps)."""
    best = pred.argmax(axis=1)
    gaps = np.flatnonzero(best == 0)
    other = pred[gaps].copy()
    other[:, 0] = 0
    other[:, spaces] = 0
    rows = np.arange(gaps.size)
    other[rows, best[np.maximum(gaps - 1, 0)]] = 0
    other[rows, best[np.minimum(gaps + 1, len(best) - 1)]] = 0
    return gaps, other


def _restored(pred: np.ndarray, spaces: np.ndarray) -> np.ndarray:
    """A CTC output with each character the blank beat at a step made the step's winner when it
    held more than :data:`RESTORE_MIN` there: a light "、" or "，" the recogniser half saw ("标准
    接受" for "标准、接受"). The line's confidence still says it was nearly dropped
    (:func:`_none_dropped`), so the office checks it."""
    gaps, other = _gaps(pred, spaces)
    if gaps.size == 0:
        return pred
    found = other.max(axis=1) > RESTORE_MIN
    if not found.any():
        return pred
    pred = pred.copy()
    steps, chars = gaps[found], other[found].argmax(axis=1)
    pred[steps, chars] = pred[steps, 0] + 1.0
    return pred


def _batches(images: list[np.ndarray]) -> list[list[int]]:
    """Indices of ``images`` grouped narrowest first into batches whose padded width (count × the
    widest line, at the recogniser's height) stays within :data:`BATCH_WIDTH`."""
    def width(i: int) -> int:
        h, w = images[i].shape[:2]
        return max(320, -(-REC_HEIGHT * w // max(h, 1)))  # the recogniser pads to 320 at least

    batches: list[list[int]] = []
    for i in sorted(range(len(images)), key=width):
        if batches and (len(batches[-1]) + 1) * width(i) <= BATCH_WIDTH:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def load(threads: int) -> RapidEngine:
    return RapidEngine(threads)
