#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "productops.settings")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        from productops.database_errors import explain

        message = explain(error)
        if message is None:
            raise
        sys.exit(message)  # a missing or stopped database is a setup step: one line, no traceback
