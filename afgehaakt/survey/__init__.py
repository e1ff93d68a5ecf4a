"""Survey data: a synthetic generator with known truth, and an adapter for real microdata."""
