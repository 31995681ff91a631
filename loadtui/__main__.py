import locust  # noqa: F401, I001  isort: skip  (gevent must patch before ssl is imported)

import sys

from loadtui.cli import main

sys.exit(main())
