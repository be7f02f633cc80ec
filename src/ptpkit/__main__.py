"""``python -m ptpkit``: the ``ptpkit`` command line."""

from __future__ import annotations

from ptpkit.cli.main import main

if __name__ == "__main__":
    main(prog_name="ptpkit")
