"""Entry point of `python -m podsandbox`."""

import sys

from podsandbox.cli import main

sys.exit(main())
