"""Municipal features: indicators harmonised to one boundary year, and the stacked-disadvantage indices."""
