"""The event model: Indonesian morphology, the team's event corpus, features, the trigger classifier."""
