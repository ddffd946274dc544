"""Small helpers every stage uses: atomic writes, image I/O, logging, devices, code versions."""
