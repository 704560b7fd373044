"""Replay streams to any moment: projectors, snapshots (store-native and our cache), diff with blame, bisect.

Qt-free: every long call blocks, takes a CancelToken and an optional progress callback.
"""

from inspector.core.diff import Blame, Change, diff_states
from inspector.replay.cache import SnapshotCache, default_cache_path, store_identity
from inspector.replay.engine import (
    BisectResult,
    MomentRef,
    ReplayResult,
    StateDiff,
    StoppedAt,
    bisect,
    diff,
    replay,
    version_at,
)
from inspector.replay.category import (
    CategoryComparison,
    CategoryReplay,
    CategoryTotals,
    ExpressionError,
    StreamDifference,
    StreamOutcome,
    compare_category,
    replay_category,
)
from inspector.replay.projectors import (
    GENERIC_PROJECTOR,
    FunctionProjector,
    GenericProjector,
    Projector,
    ProjectorError,
    ProjectorSet,
    load_projectors,
    projector,
)


def demo_projectors() -> ProjectorSet:
    """The demo store's projectors (wallet credits, job status, ACL members)."""
    from inspector.replay.demo_projector import DEMO_PROJECTORS

    return ProjectorSet(list(DEMO_PROJECTORS), label="demo")


__all__ = [
    "GENERIC_PROJECTOR",
    "BisectResult",
    "Blame",
    "CategoryComparison",
    "CategoryReplay",
    "CategoryTotals",
    "Change",
    "ExpressionError",
    "FunctionProjector",
    "GenericProjector",
    "MomentRef",
    "Projector",
    "ProjectorError",
    "ProjectorSet",
    "ReplayResult",
    "SnapshotCache",
    "StateDiff",
    "StoppedAt",
    "StreamDifference",
    "StreamOutcome",
    "bisect",
    "compare_category",
    "default_cache_path",
    "demo_projectors",
    "diff",
    "diff_states",
    "load_projectors",
    "projector",
    "replay",
    "replay_category",
    "store_identity",
    "version_at",
]
