"""Learning from the annotators: retrain the NER and event models on public data plus the workspace's gold."""
