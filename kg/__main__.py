import sys

from kg.cli import run

sys.exit(run())
