"""The benchmark suite behind ``benchmarks/run.py`` (``make bench``), one module per part:
``common`` helpers, ``children`` (measurements in child processes), ``processes`` (running
them), ``suite`` (the steps), ``report*`` (RESULTS.md)."""
