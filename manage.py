#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yugong.settings")
    if sys.argv[1:2] != ["runserver"]:
        # Imports, seeds and data generators run long statements by design: no statement timeout
        # unless asked for (web processes keep DB_STATEMENT_TIMEOUT_MS; see settings).
        os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
