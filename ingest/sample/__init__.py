"""The bundled sample of every source, written in its real publication layout (`sozialmonitor sample`).

`generate` drives it: the population of every area per Stichtag, from which each family's module
(`bevoelkerung`, `grundsicherung`, `mindestsicherung`, `ba`, `cities`, `submissions`) writes its files.
Same inputs, same bytes: tests and benchmarks rely on it.
"""

from ingest.sample.generate import SOURCE_ID, generate_sample, stichtage

__all__ = ["SOURCE_ID", "generate_sample", "stichtage"]
