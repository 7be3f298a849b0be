"""Routes for work_views (registered on the orders blueprint)."""
