"""Where pre-labelling runs: worker processes (local) or Ray Data (ray); siblings sharing only the interface."""
