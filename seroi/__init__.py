"""SEROI+ core: impact maps, returns, sensitivity, charts and reports (pure, no I/O of ours)."""
