"""The audit log: an append-only, hash-chained record of every change that matters to a lender.

`chain` is what an entry is and how a stream is verified (pure); `models` is its table and the
head every audited item carries; `store` writes entries in the transaction of their change and
reads them back.
"""
