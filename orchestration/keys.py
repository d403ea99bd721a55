"""Asset keys named once. The raw assets: `raw/<source id>` for a source one office delivers,
`raw/<table>` for a table every body delivers into (one partition per body) and for a table written
beside it. The publication: `published_warehouse`."""

import dagster as dg

from ingest.registry import Source

RAW_PREFIX = "raw"
PUBLISHED_ASSET = "published_warehouse"


def raw_key(name: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_PREFIX, name])


def raw_asset_key(source: Source) -> dg.AssetKey:
    """The raw asset a source's deliveries land in."""
    return raw_key(source.id if source.lieferant is None else source.table)
