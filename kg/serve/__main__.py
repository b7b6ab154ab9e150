"""``python -m kg.serve``: the same as ``kg serve``."""

import sys

from kg.serve import main

sys.exit(main())
