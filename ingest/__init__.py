"""Source readers and the raw store. Plain Python: nothing here imports Dagster.

A reader takes a file and yields typed rows, or raises a `SourceError` that names the file, row,
column and rule. The raw store writes those rows into `raw.duckdb` with provenance on every row.
"""
