"""Wrappers around external programs: each finds its program, runs it, and turns failures into errors."""
