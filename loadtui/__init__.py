"""loadtui: run Locust load tests from the terminal and watch them live."""

__version__ = "0.1.0"
