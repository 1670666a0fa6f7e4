"""The workspace: its layout, every Arrow schema, the one span codec, atomic writes, the stored human labels."""
