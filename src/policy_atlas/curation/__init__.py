"""Curation: accounts and roles, proposals and their review, diffs, history, the audit log, and the way back
to dataset files. Plain functions over a database connection; the web and the CLI are thin on top."""
