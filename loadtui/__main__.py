# Locust first: gevent must patch the process before anything imports ssl.
# isort: off
import locust  # noqa: F401

# isort: on
import sys

from loadtui.cli import main

sys.exit(main())
