"""Usage reports: what a company submits (the JSON of ``copyfair scan``), which registered
commons each component belongs to, and the obligations the service derives itself.

Pure (no I/O): :mod:`.submission` reads and checks the submitted document,
:mod:`.attribution` applies the commons' matching rules, :mod:`.derive` computes the
obligations with :func:`licences.obligations.compute_obligations`. Storage is
:mod:`service.db.reports`.
"""
