"""What the workflow derives from a config, without torch: the plan, the conditions, the path layout."""
