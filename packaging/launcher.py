"""The frozen app's entry point: the same ``main`` as the ``socialinbox`` command."""

import os
import sys

# A windowed build on Windows and macOS starts with no console: sys.stdout and sys.stderr are None there, and
# argparse's --version or a print would raise. Writing into the void is what a windowed app should do.
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # lives as long as the process
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

from socialinbox.cli import main  # after the streams exist

if __name__ == "__main__":
    sys.exit(main())
