"""Statistical models fitted to survey data (multilevel models of trust and turnout)."""
