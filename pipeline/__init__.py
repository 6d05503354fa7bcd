"""lianzheng — 廉政风险防控文书流水线.

The library is the product; :mod:`pipeline.cli` is a thin shell over :mod:`pipeline.api`.
"""

__version__ = "0.1.0"
