"""The Textual app over the engine. Reads :class:`loadtui.engine.snapshot.Snapshot` only; never Locust."""
