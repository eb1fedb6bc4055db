"""Reading an export: bytes -> encoding -> separator -> header line -> text columns."""

from reconcile.reading.frame import RawTable, find_exports, read_raw

__all__ = ["RawTable", "find_exports", "read_raw"]
