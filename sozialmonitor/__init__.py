"""Sozialmonitor Ruhr: the platform's own package (settings, publication, command line).

Nothing here imports Dagster or great_expectations at module level, so `sozialmonitor query` and
`sozialmonitor status` start in well under a second.
"""
