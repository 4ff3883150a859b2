"""``python -m fgte_research.publish RUNSPEC [--jobs N] [--force]`` (same as ``fgte report``)."""

import sys

from .runner import cli_report

if __name__ == "__main__":
    sys.exit(cli_report(sys.argv[1:]))
