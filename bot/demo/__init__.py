"""The scripted pilot and the simulated people: the only part of `bot` that imports `sandbox`."""
