"""Running trained networks on folders: CRAFT detection (and its line merging), SR inference."""
