"""tesseract with the simplified-Chinese model (Debian's tesseract-ocr-chi-sim) as an OCR engine.

The region is written to a temporary PNG (the Program wrapper runs it and turns a crash or
time-out into a ConversionError) and read back as TSV (one row a word with its confidence),
grouped into lines by tesseract's own block/paragraph/line numbers. Words are joined without a
space between two Han characters, since tesseract splits Chinese text into single-character words.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from pipeline._exec.ocr import TextLine
from pipeline._exec.program import Program

ENGINE_NAME = "tesseract"
INSTALL_HINT = "安装 tesseract：apt-get install tesseract-ocr tesseract-ocr-chi-sim"
TESSERACT = Program(names=("tesseract",), package="tesseract-ocr tesseract-ocr-chi-sim", purpose="识别扫描件中的文字")
LANG = "chi_sim"


def available() -> bool:
    path = TESSERACT.find()
    if path is None:
        return False
    done = subprocess.run([path, "--list-langs"], capture_output=True, timeout=60, check=False)
    return LANG in done.stdout.decode(errors="replace").split()


def _cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


class TesseractEngine:
    name = ENGINE_NAME

    def __init__(self, threads: int) -> None:
        self._env = {"OMP_THREAD_LIMIT": str(max(1, threads)), "PATH": "/usr/bin:/bin"}

    def read(self, region: np.ndarray, alphabet: re.Pattern[str] | None = None, psm: str = "6") -> list[TextLine]:
        """``psm`` is tesseract's page segmentation mode: 6 a block of lines, 7 a single line;
        ``alphabet`` is not passed on (the second engine reads as it always did)."""
        import cv2

        with tempfile.TemporaryDirectory(prefix="lianzheng-ocr-") as tmp:
            image = Path(tmp) / "region.png"
            cv2.imwrite(str(image), region)
            done = TESSERACT.run([str(image), "stdout", "-l", LANG, "--psm", psm, "tsv"], timeout=120,
                                 doing="识别扫描件中的文字", env=self._env)
        lines: dict[tuple, list[dict]] = {}
        for row in csv.DictReader(io.StringIO(done.stdout.decode(errors="replace")), delimiter="\t",
                                  quoting=csv.QUOTE_NONE):
            if row.get("level") != "5" or not (row.get("text") or "").strip():
                continue
            lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
        out = []
        for words in lines.values():
            text = ""
            for w in words:
                t = w["text"].strip()
                text += t if not text or (_cjk(text[-1]) or _cjk(t[0])) else " " + t
            x0 = min(int(w["left"]) for w in words)
            y0 = min(int(w["top"]) for w in words)
            x1 = max(int(w["left"]) + int(w["width"]) for w in words)
            y1 = max(int(w["top"]) + int(w["height"]) for w in words)
            conf = sum(max(0.0, float(w["conf"])) for w in words) / len(words) / 100
            out.append(TextLine(text, conf, (x0, y0, x1, y1)))
        return out


    def read_lines(self, lines: list[np.ndarray], alphabet: re.Pattern[str] | None = None) -> list[tuple[str, float]]:
        out = []
        for line in lines:
            found = self.read(line, psm="7")
            text = "".join(t.text for t in found)
            out.append((text, min((t.confidence for t in found), default=0.0)))
        return out


def load(threads: int) -> TesseractEngine:
    return TesseractEngine(threads)
