"""How much of a failed expectation a gate run keeps: the one number both sides must agree on.

The validation asks GX for at most `MAX_EXAMPLES` unexpected values and rows per chunk
(expectations/validate.py); the Data Docs, merging the chunks' results into one page, keep as many
(expectations/data_docs.py). Here, so that neither has to import the other.
"""

MAX_EXAMPLES = 20
