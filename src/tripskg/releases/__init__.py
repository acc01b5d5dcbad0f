"""Releases: versions of the dataset, what changed between two builds (``tripskg diff``),
Atom change feeds, and the quality report (SHACL results grouped, ``tripskg check``)."""
