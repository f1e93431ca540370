"""`make bench`: runs every report in bench/ and prints one line per figure."""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "productops.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

SKIP = {"__main__", "figures"}


def main() -> int:
    reports = [
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name not in SKIP
    ]
    if not reports:
        print("bench: no reports yet (each domain app adds its own under bench/)")
        return 0
    for name in sorted(reports):
        module = importlib.import_module(f"bench.{name}")
        for figure in module.run():
            print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
