"""Use cases: they know the database, never the request."""
