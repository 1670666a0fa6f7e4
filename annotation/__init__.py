"""Label Studio side of the flow: tasks out, annotations back, and the embedded server."""
