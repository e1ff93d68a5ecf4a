"""Spatial weights and spatial statistics, with their inference stated in every result."""
