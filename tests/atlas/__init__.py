"""The atlas: a static site in every published version, checked against the warehouse's numbers and in a
real headless Chromium (Debian's `chromium`; `make test` installs it)."""
