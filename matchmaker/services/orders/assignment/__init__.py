"""Exact assignments: lead reviewers for a council, researchers invited to an open call."""
