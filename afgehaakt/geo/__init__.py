"""Geography: municipal boundaries in one boundary year and coordinate reference system."""
