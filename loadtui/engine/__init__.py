"""The headless core: a load session over Locust, snapshots, host sampling, reports, profiles.

Nothing in this package imports textual or rich (tests/unit/test_imports.py checks it in a
subprocess): the headless mode, the reports and CI runs must not depend on the screen.
"""
