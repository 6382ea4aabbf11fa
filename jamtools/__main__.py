"""Entry point for ``python -m jamtools``."""
from jamtools.run.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
