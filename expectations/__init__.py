"""The publication gate's contracts: GX suites generated from the indicator catalog, and their runner.

`suites.py` turns the catalog into GX Core 1.x suites, kept as readable JSON in `expectations/suites/`;
`validate.py` runs a suite on a table of the freshly built warehouse. Only `validate.py` imports
great_expectations (5-8 s), and only when a check actually runs.
"""
