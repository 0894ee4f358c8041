"""RingScope's graph: the model, the store interface and its backends.

This package is the base of the project: ``ingest`` and ``detectors`` build on it.
"""

from graph.config import StoreSettings
from graph.connect import open_store
from graph.errors import (
    ConfigError,
    DetectionError,
    InputError,
    NotFoundError,
    RingScopeError,
    StoreError,
    StoreUnavailableError,
)
from graph.model import (
    ClearBatch,
    Edge,
    EdgeBatch,
    GraphBundle,
    GraphCounts,
    Label,
    Node,
    NodeBatch,
    NodeRef,
    Rel,
)
from graph.store import GraphStore, LoadReport, Removed

__all__ = [
    "ClearBatch",
    "ConfigError",
    "DetectionError",
    "Edge",
    "EdgeBatch",
    "GraphBundle",
    "GraphCounts",
    "GraphStore",
    "InputError",
    "Label",
    "LoadReport",
    "Node",
    "NodeBatch",
    "NodeRef",
    "NotFoundError",
    "Rel",
    "Removed",
    "RingScopeError",
    "StoreError",
    "StoreSettings",
    "StoreUnavailableError",
    "open_store",
]
