"""Entry point for ``python -m jamtools``."""
from jamtools.cli import main

raise SystemExit(main())
