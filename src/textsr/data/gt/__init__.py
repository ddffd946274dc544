"""Native ground-truth parsers, one module per dataset family, and the detection-file parser.

Every parser returns a list of `GTRegion` (points in image pixels, don't-care flag, transcription) and raises
`AnnotationError` ("FILE:LINE: what is wrong") on a malformed line. Empty files are valid (no text). BOM and
CRLF are handled everywhere.
"""

from textsr.data.gt.base import AnnotationError, GTRegion, read_lines
from textsr.data.gt.ctw1500 import read_ctw1500_gt
from textsr.data.gt.detections import Detection, read_detections
from textsr.data.gt.icdar import read_icdar2013_gt, read_icdar2015_gt, read_icdar2017_gt
from textsr.data.gt.msra_td500 import read_msra_td500_gt, rotated_rect_corners
from textsr.data.gt.totaltext import read_totaltext_gt, read_totaltext_mat, read_totaltext_txt

__all__ = [
    "AnnotationError",
    "Detection",
    "GTRegion",
    "read_ctw1500_gt",
    "read_detections",
    "read_icdar2013_gt",
    "read_icdar2015_gt",
    "read_icdar2017_gt",
    "read_lines",
    "read_msra_td500_gt",
    "read_totaltext_gt",
    "read_totaltext_mat",
    "read_totaltext_txt",
    "rotated_rect_corners",
]
