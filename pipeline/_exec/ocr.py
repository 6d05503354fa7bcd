"""The OCR engines behind one small interface: an engine turns an image region into text lines
with a confidence (``read`` finds the lines in a region, ``read_lines`` reads regions that are one
line each).

Like OCRmyPDF's OCR-engine plugins, each engine is one module (``ocr_rapidocr``, ``ocr_tesseract``)
exposing ``ENGINE_NAME``, ``available()`` and ``load(threads)``; everything above them — page
clean-up, the grid, which cell is which column — is the parser's and never knows which engine read
the text. An engine is loaded once per process (its models stay in memory for the worker's life).
The default is the first available of :data:`ORDER`: RapidOCR reads the corpus of scanned forms
more accurately and faster than tesseract (``bench/ocr.py`` measures both).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import re
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from pipeline._exec import libc
from pipeline.errors import MissingProgramError

ORDER = ("rapidocr", "tesseract")
#: Environment variable naming the engine to use instead of the default.
ENV = "LIANZHENG_OCR"
INSTALL_HINT = ("安装 RapidOCR（pip install 'lianzheng[ocr]'，即 rapidocr-onnxruntime 和 opencv-python-headless），"
                "或 tesseract（Debian/Ubuntu：apt-get install tesseract-ocr tesseract-ocr-chi-sim）后重试")


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text found in a region: its text, the engine's confidence (0–1) and its box
    (x0, y0, x1, y1) in the region's pixels."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]


class Engine(Protocol):
    """``alphabet``, when given, matches each character the text may hold (the caller knows what
    the page can say): an engine that can reads the likeliest text of those characters and counts
    its belief in any other character as doubt about the line; one that cannot ignores it."""

    name: str

    def read(self, region: np.ndarray, alphabet: re.Pattern[str] | None = None) -> list[TextLine]:
        """The text lines of ``region`` (a grayscale uint8 image), in any order."""
        ...

    def read_lines(self, lines: list[np.ndarray], alphabet: re.Pattern[str] | None = None) -> list[tuple[str, float]]:
        """The text and confidence of each image in ``lines``, each known to hold one line of text
        (the caller cut them out), in the same order; engines batch them."""
        ...


def _module(name: str):
    if name not in ORDER:
        raise MissingProgramError(f"不认识的文字识别引擎“{name}”（环境变量 {ENV}）",
                                  hint="可选：" + "、".join(ORDER))
    return importlib.import_module(f"pipeline._exec.ocr_{name}")


def release() -> None:
    """Give the memory freed since the last call back to the system (glibc; elsewhere nothing).

    A page read frees everything it allocated — the page buffers OpenCV made, the recogniser's
    activations, tens of MB each batch, as onnxruntime runs RapidOCR's models with its memory
    arena off, so each is a malloc. glibc keeps what is freed for reuse, and the blocks of one
    page seldom fit the next page's: a worker reading twenty scans grew from 230 MB resident to
    380, and its peak over a corpus varied by 200 MB from run to run with how the blocks fell
    (its mmap threshold rises to the size of each large block freed, so later ones come from
    the heap). ``malloc_trim`` hands back every free page, so each page starts from the models
    and the worker's peak is that of its largest page; it costs no measurable time a page."""
    libc.malloc_trim()


@functools.cache
def engine(name: str | None = None, threads: int = 1) -> Engine:
    """The engine ``name`` (else ``$LIANZHENG_OCR``, else the first installed of :data:`ORDER`),
    loaded once per process; none installed is a MissingProgramError naming what to install."""
    if importlib.util.find_spec("cv2") is None:  # every engine reads pages OpenCV cleaned up
        raise MissingProgramError("没有安装 OpenCV，扫描件无法识别内容", hint=INSTALL_HINT)
    import cv2

    # OpenCV's own pool (a thread per core) gets the engine's count too: ingest runs one worker
    # a core already, and a worker's page clean-up spread over every core costs 10% more CPU.
    cv2.setNumThreads(max(1, threads))
    name = name or os.environ.get(ENV) or None
    if name is not None:
        module = _module(name)
        if not module.available():
            raise MissingProgramError(f"文字识别引擎 {name} 未安装，扫描件无法识别内容", hint=module.INSTALL_HINT)
        return module.load(threads)
    for candidate in ORDER:
        module = _module(candidate)
        if module.available():
            return module.load(threads)
    raise MissingProgramError("没有安装文字识别（OCR）引擎，扫描件无法识别内容", hint=INSTALL_HINT)
