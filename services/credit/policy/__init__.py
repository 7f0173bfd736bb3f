"""The versioned credit policy (`policy-v1.json`) and what it decides: hard rules, bands,
limits, offers, reasons. Pure."""
