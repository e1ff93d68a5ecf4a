"""Downloading public data with provenance: HTTP fetching, StatLine OData, Kiesraad, PDOK, snapshot refresh.

Every download goes through :func:`afgehaakt.acquisition.http.fetch`, which writes a file only after it has
been checked and puts a ``<file>.provenance.json`` record beside it. Parsing lives elsewhere (``afgehaakt.io``)
or, for the StatLine tables, in :mod:`afgehaakt.acquisition.statline`.
"""
