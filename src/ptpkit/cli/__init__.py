"""The ``ptpkit`` command line (click + rich): parsing and rendering only.

The entry point is :func:`ptpkit.cli.main.main`; ``python -m ptpkit`` runs it too.
"""

from __future__ import annotations
