"""RingScope for analysts: one import for notebooks and scripts.

Open a store, load a book, run detection with parameters, read the results as pandas
DataFrames, draw a ring or a neighbourhood inline, plot a ring's timeline, measure detection
against a truth file and sweep its parameters, query a Cypher server::

    import api.analysis as rs

    store = rs.open_store("sqlite:///data/ringscope.db", create=True)  # or bolt://…, neo4j://…, falkordb://…
    rs.load_book(store, "data/book")                        # validated, all or nothing
    rs.detect(store, resolution=0.6)                        # parameters: rs.parameters()
    rings = rs.rings(store)                                 # one row per ring, highest score first
    rs.draw_ring(store, rings.ring_id[0])                   # inline network (masked identifiers)
    rs.plot_timeline(rs.ring_timeline(store, rings.ring_id[0]))
    rs.case_report(store, rings.ring_id[0], "cases/ring-1") # JSON, CSV, PNG, HTML for the case
    rs.evaluate(store, "data/book/truth.csv")               # detection and both baselines
    rs.score_request(store, {"claim_id": "S-NEW-1", …})      # real-time scoring, as POST /v1/score

Each function wraps the project's own code (ingest, detection, evaluation, the explorer's
rendering, the HTTP API's ring views): what it shows is what the product computes.

>>> import pathlib, tempfile
>>> work = pathlib.Path(tempfile.mkdtemp())
>>> _ = synthetic_book(work / "book", customers=1_000, seed=1)
>>> store = open_store(f"sqlite:///{work / 'graph.db'}", create=True)
>>> load_book(store, work / "book").rows["surrenders"] == len(claim_risks(store))
True
>>> result = detect(store, resolution=0.8)
>>> runs(store).loc[0, "params"]["resolution"], result.run.summary["rings"] == len(rings(store))
(0.8, True)
>>> store.close()
"""

from api.analysis.books import load_book, synthetic_book
from api.analysis.cypher import cypher_frame
from api.analysis.detection import detect, detection_params, parameters
from api.analysis.drawing import NetworkView, draw_neighbourhood, draw_ring
from api.analysis.evaluation import (
    METRICS,
    evaluate,
    legitimate_alerts,
    plot_sweep,
    sweep,
    values_around,
)
from api.analysis.frames import claim_risks, evidence, identifier_uses, members, rings, runs
from api.analysis.report import CASE_FILES, case_history, case_report
from api.analysis.stores import open_store
from api.analysis.timeline import EVENT_KINDS, TIMELINE_COLUMNS, plot_timeline, ring_timeline
from api.scoring import score_request
from detectors.holdout import hold_out, roc_auc
from graph.results import ALERT_THRESHOLD

__all__ = [
    "ALERT_THRESHOLD",
    "CASE_FILES",
    "EVENT_KINDS",
    "METRICS",
    "TIMELINE_COLUMNS",
    "NetworkView",
    "case_history",
    "case_report",
    "claim_risks",
    "cypher_frame",
    "detect",
    "detection_params",
    "draw_neighbourhood",
    "draw_ring",
    "evaluate",
    "evidence",
    "hold_out",
    "identifier_uses",
    "legitimate_alerts",
    "load_book",
    "members",
    "open_store",
    "parameters",
    "plot_sweep",
    "plot_timeline",
    "ring_timeline",
    "rings",
    "roc_auc",
    "runs",
    "score_request",
    "sweep",
    "synthetic_book",
    "values_around",
]
