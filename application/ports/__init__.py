"""The ports: what the use cases need from the world, as small Protocols, one module per concern."""
