"""tripskg: the TRIPS technical cooperation knowledge graph."""

__version__ = "0.1.0"
