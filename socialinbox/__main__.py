"""``python -m socialinbox`` is the same as the ``socialinbox`` command."""

import sys

from socialinbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
