"""afgehaakt: an open, reproducible pipeline for research into political disengagement in the Netherlands.

All logic lives in this package so that it can be tested without Snakemake; the workflow's scripts only
move paths and parameters in and out.
"""

__version__ = "0.1.0"
