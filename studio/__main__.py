"""``python -m studio`` runs the CLI."""

import sys

from studio.cli import main

sys.exit(main())
