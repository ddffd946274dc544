"""TextSR-Bench: super-resolution for scene-text detection, as a library (no Snakemake inside)."""

__version__ = "0.1.0"
