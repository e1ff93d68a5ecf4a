"""Statistical disclosure control for outputs derived from survey microdata, in two parts:

* :mod:`~afgehaakt.disclosure.suppression`: the small-cell rule applied while a table is made
  (:func:`suppress_small_cells`, the threshold from config);
* :mod:`~afgehaakt.disclosure.scanner`: the scan of a finished ``results/`` directory that fails the run when a
  published table shows a small cell or respondent records (:func:`scan_results`, its rules documented there).
"""

from afgehaakt.disclosure.scanner import (
    DEFAULT_MUNICIPALITIES,
    DEFAULT_ROWS_PER_MUNICIPALITY,
    GENERIC_COUNT_COLUMNS,
    RESPONDENT_COUNT_COLUMNS,
    RESPONDENT_ID_COLUMNS,
    SURVEY_ANSWER_COLUMNS,
    DisclosureError,
    Finding,
    ScanReport,
    file_is_synthetic,
    scan_results,
)
from afgehaakt.disclosure.suppression import (
    DEFAULT_THRESHOLD,
    SUPPRESSED_COLUMN,
    Suppression,
    suppress_small_cells,
    threshold_from_config,
)

__all__ = [
    "DEFAULT_MUNICIPALITIES",
    "DEFAULT_ROWS_PER_MUNICIPALITY",
    "DEFAULT_THRESHOLD",
    "GENERIC_COUNT_COLUMNS",
    "RESPONDENT_COUNT_COLUMNS",
    "RESPONDENT_ID_COLUMNS",
    "SUPPRESSED_COLUMN",
    "SURVEY_ANSWER_COLUMNS",
    "DisclosureError",
    "Finding",
    "ScanReport",
    "Suppression",
    "file_is_synthetic",
    "scan_results",
    "suppress_small_cells",
    "threshold_from_config",
]
