"""Platform order-export importers: bytes or paths in, normalised records and problems out.

Pure (no database, no clock). ``import_export`` is the front door; ``read_table`` reads a CSV or
XLSX file; ``detect_layout`` names the platform from a header row.
"""

from shopops.orders.importers.detect import AmbiguousPlatformError, detect_layout
from shopops.orders.importers.files import Table, read_table
from shopops.orders.importers.generic import ColumnMapping
from shopops.orders.importers.parse import (
    PLATFORMS,
    Export,
    import_export,
    order_digests,
    order_numbers,
    parse_export,
    read_export,
)
from shopops.orders.importers.records import ImportedLine, ImportedOrder, ImportedSettlement
from shopops.orders.importers.report import (
    Detection,
    ImportFileError,
    ImportResult,
    MissingColumnsError,
    Note,
    Problem,
)

__all__ = [
    "PLATFORMS",
    "AmbiguousPlatformError",
    "ColumnMapping",
    "Detection",
    "Export",
    "ImportFileError",
    "ImportResult",
    "ImportedLine",
    "ImportedOrder",
    "ImportedSettlement",
    "MissingColumnsError",
    "Note",
    "Problem",
    "Table",
    "detect_layout",
    "import_export",
    "order_digests",
    "order_numbers",
    "parse_export",
    "read_export",
    "read_table",
]
