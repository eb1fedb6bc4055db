"""Reading an export: bytes -> encoding -> separator -> header line -> text columns
(or an .xlsx workbook's first sheet -> header row -> text columns).

One module per job:
- encoding: what a file is, its encoding, and the bytes polars reads;
- excel: an .xlsx workbook's first sheet, every cell as text (a sheet row is a line);
- header: the header line and the separator;
- matching: which source and export kind the headers fit, and which header each raw
  field maps to;
- frame: the RawTable, read by one lazy polars query (`read_raw`);
- folders: the two exports in a folder (`find_exports`);
- archives: a zip download of exports, read as a folder of them.
"""

from reconcile.reading.folders import EXPORT_SUFFIXES, FileHead, file_head, find_exports
from reconcile.reading.frame import LINE, RawTable, read_as, read_raw

__all__ = [
    "EXPORT_SUFFIXES",
    "LINE",
    "FileHead",
    "RawTable",
    "file_head",
    "find_exports",
    "read_as",
    "read_raw",
]
