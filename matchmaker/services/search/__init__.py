"""The search index as the app uses it: the public document of each record, updates, rebuilds."""
