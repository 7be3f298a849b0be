"""Routes for proposal_views (registered on the orders blueprint)."""
