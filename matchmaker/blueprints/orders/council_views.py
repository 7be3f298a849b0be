"""Routes for council_views (registered on the orders blueprint)."""
