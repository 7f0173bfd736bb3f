"""Credit applications: applying, deciding, reviewing; their storage and HTTP face."""
