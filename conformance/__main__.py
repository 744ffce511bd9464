"""``python -m conformance``: the same as ``vxml-conformance``."""

import sys

from conformance.cli import main

sys.exit(main())
