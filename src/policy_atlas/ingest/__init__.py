"""Reading new documents into proposed facts: extraction (`extract`), mentions (`mentions`, `values`),
the reader that proposes facts (`reader`) and its evaluation (`evaluation`)."""
from .reader import Ingester, language, summary

__all__ = ["Ingester", "language", "summary"]
