"""Machine pre-labels for sentences: entity spans and event types, each with score and source."""
