"""Exports of the atlas: statements (JSON Lines, flat CSV), linked data (JSON-LD, Turtle, N-Triples),
CSV tables and the Frictionless data package."""
from .datapackage import datapackage
from .rdf import base_url, jsonld, serialize
from .statements import CSV_COLUMNS, csv_rows, jsonl

__all__ = ["CSV_COLUMNS", "base_url", "csv_rows", "datapackage", "jsonl", "jsonld", "serialize"]
