"""The analysis engines: Claude through the Anthropic SDK, and the offline knowledge base."""
