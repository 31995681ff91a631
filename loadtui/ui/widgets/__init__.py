"""Widgets of the dashboard, one per panel. Each takes a Snapshot; none knows Locust."""
