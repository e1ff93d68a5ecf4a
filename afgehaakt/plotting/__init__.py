"""Figures: deterministic files (fixed fonts and metadata) so that two runs give the same bytes."""
