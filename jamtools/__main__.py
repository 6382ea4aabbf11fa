"""Entry point for ``python -m jamtools``."""
from jamtools.run.cli import main

raise SystemExit(main())
