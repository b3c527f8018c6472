"""Time entries as people read and write them (the agents use the batch sync)."""
