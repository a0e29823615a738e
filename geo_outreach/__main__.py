"""``python -m geo_outreach`` runs the CLI."""

import sys

from geo_outreach.cli import main

sys.exit(main())
