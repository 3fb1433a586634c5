#!/usr/bin/env python
"""Django's command-line utility for Casecast."""

import os
import sys
from pathlib import Path


def main() -> None:
    # `platform/` is a source folder, not a package: put it on the path so
    # `casecast` imports even without the editable install.
    sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
