"""TK2025 polling stations on postcode areas (PC4): stations, areas, weights and analyses."""
