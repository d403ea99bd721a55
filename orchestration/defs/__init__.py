"""One folder per concern; `orchestration/definitions.py` assembles them."""
