"""RapidOCR (PP-OCR models run by onnxruntime) as an OCR engine.

The ``rapidocr-onnxruntime`` wheel carries its detection, direction and recognition models, so
nothing is fetched at run time. onnxruntime is told how many threads to use: ingest already runs
one worker per core, and a second pool of threads per worker only makes them fight.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from pipeline._exec.ocr import TextLine

ENGINE_NAME = "rapidocr"
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
        # so regions are only ever scaled down ("max").
        self._ocr = RapidOCR(intra_op_num_threads=n, inter_op_num_threads=1, use_cls=False,
                             det_limit_type="max", det_limit_side_len=1500)

    def read(self, region: np.ndarray) -> list[TextLine]:
        import cv2

        image = cv2.cvtColor(region, cv2.COLOR_GRAY2BGR) if region.ndim == 2 else region
        found, _ = self._ocr(image, use_cls=False)
        if not found:
            # The caller hands over only regions with ink in them: when the detector finds no
            # line (a lone small character, "中"), the region is read whole as one line.
            whole, _ = self._ocr(image, use_det=False, use_cls=False)
            h, w = image.shape[:2]
            return [TextLine(str(t), float(c), (0, 0, w, h)) for t, c in whole or () if str(t).strip()]
        out = []
        for box, text, conf in found or ():
            xs = [p[0] for p in box]
            ys = [p[1] for p in box]
            out.append(TextLine(str(text), float(conf), (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))))
        return out


    def read_lines(self, lines: list[np.ndarray]) -> list[tuple[str, float]]:
        import cv2

        if not lines:
            return []
        images = [cv2.cvtColor(x, cv2.COLOR_GRAY2BGR) if x.ndim == 2 else x for x in lines]
        found, _ = self._ocr.text_rec(images)  # one batched pass of the recogniser, no detection
        return [(str(t), float(c)) for t, c in found]


def load(threads: int) -> RapidEngine:
    return RapidEngine(threads)
