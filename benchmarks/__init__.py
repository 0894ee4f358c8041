"""The scripts behind every figure in the README, each with a naive baseline measured in the same
run (the build machine is shared: compare ratios within one run).

``python -m benchmarks`` runs ingest, look-ups, detection, quality and the scoring API at one
scale and prints one table (see :mod:`benchmarks.__main__`); ``python -m benchmarks NAME …``
runs one script with its own options. Each script also runs on its own
(``python benchmarks/NAME.py``); the folder holds modules named like the project's packages
(``ingest.py``, ``api.py``), so inside it every import of a project package is absolute.
"""
