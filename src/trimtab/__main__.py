"""`python -m trimtab` is the `trimtab` command."""

import sys

from trimtab.cli import main

sys.exit(main())
