"""Presentation of the dataset, shared by the server (``serve/``) and the static site
(``publish/site.py``).

- :mod:`.formats`: media types (from pyoxigraph's formats) and Accept / Accept-Language parsing;
- :mod:`.views`: read access to the graph (:class:`~.views.StoreView`, :class:`~.views.IndexView`)
  and names of IRIs (:class:`~.views.Namer`);
- :mod:`.describe`: the view model of a resource and its RDF description;
- :mod:`.home`: the home page's figures, class listings and chart geometry;
- :mod:`.needs` / :mod:`.coverage`: the LDC needs pages and the coverage matrix (saved queries
  ``needs-coverage`` and ``coverage`` grouped for their templates);
- :mod:`.render`: the Jinja2 environment and the :class:`~.render.Links` protocol.

Nothing is imported here: query worker processes import :mod:`.formats` alone.
"""
