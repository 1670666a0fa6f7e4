"""Entity and event taggers; each carries its versioned name into the spans it proposes."""
