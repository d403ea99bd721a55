"""The atlas: a static HTML site of one published version (`published/<version>/atlas/`).

Per indicator its catalog definition, a tile-grid map of the 53 Gemeinden, a ranking, the time series
of the region, NRW and selected cities, and the small areas of the cities that deliver them; per
Gemeinde a profile against the Ruhr and its small areas by social index; data availability; the
version it was built from. Every script, style and font is local, so it opens offline, from disk or
through `sozialmonitor atlas --serve`.
"""

from sozialmonitor.atlas.build import ATLAS, build_atlas

__all__ = ["ATLAS", "build_atlas"]
