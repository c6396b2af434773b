"""The pure domain core: states, decisions and rules as plain Python (no AWS, no Chalice)."""
