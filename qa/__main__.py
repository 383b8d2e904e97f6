"""``python -m qa`` runs the gongkai command line."""
import sys

from qa.cli import main

sys.exit(main())
