"""Distillation: the CRAFT teacher (maps and their cache) and the loss families, one module each.

`maps`: attention maps and the AD / SD losses (CRAFT attention distillation); `teacher`: CRAFT features, teacher
maps and their per-image cache; SR-teacher losses: `affinity` (FAKD), `statistics` (SRKD), `vid` (PISR's VID and
its privileged teacher's imitation term).
"""

from textsr.distill.affinity import (
    FAKD_ALPHA, FAKD_WEIGHT, affinity_bytes, check_affinity_memory, fakd_loss, spatial_affinity,
)
from textsr.distill.maps import ad_loss, attention_map, resize_map, sd_loss, similarity_matrix
from textsr.distill.statistics import STATISTICS, check_statistics, feature_statistics, srkd_loss
from textsr.distill.teacher import (
    CRAFT_MEAN, CRAFT_STD, CRAFT_STRIDES, DEFAULT_TEACHER_LAYER, MANIFEST, compute_teacher_maps, craft_normalize,
    default_teacher_layer, parse_teacher_cache_key, teacher_cache_key, teacher_maps_from_images,
)
from textsr.distill.vid import (
    IMITATION_WEIGHT, VID_WEIGHT, VIDLoss, imitation_loss, official_vid_state_dict, pisr_teacher_loss,
)

__all__ = [
    "FAKD_ALPHA", "FAKD_WEIGHT", "IMITATION_WEIGHT", "STATISTICS", "VID_WEIGHT", "VIDLoss", "affinity_bytes",
    "check_affinity_memory", "check_statistics", "fakd_loss", "feature_statistics", "imitation_loss",
    "official_vid_state_dict", "pisr_teacher_loss", "spatial_affinity", "srkd_loss",
    "CRAFT_MEAN", "CRAFT_STD", "CRAFT_STRIDES", "DEFAULT_TEACHER_LAYER", "MANIFEST", "ad_loss", "attention_map",
    "compute_teacher_maps", "craft_normalize", "default_teacher_layer", "parse_teacher_cache_key", "resize_map",
    "sd_loss", "similarity_matrix", "teacher_cache_key", "teacher_maps_from_images",
]
