"""`scv profile`: structure, content and quality of new data files before anything processes them."""

from scv.profiling.mapping import CANONICAL, PERSONAL
from scv.profiling.mapping import normalise as normalise_column
from scv.profiling.profile import mask
from scv.profiling.run import ProfileRun, Reading, run_profile, summary_lines

__all__ = [
    "CANONICAL",
    "PERSONAL",
    "ProfileRun",
    "Reading",
    "mask",
    "normalise_column",
    "run_profile",
    "summary_lines",
]
