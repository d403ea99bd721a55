"""`make bench`: the refresh's phases measured beside their limit (raw DuckDB doing the same work);
the entry point is `bench/refresh_phases.py`."""
