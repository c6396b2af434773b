"""UPP: unified payment platform for hospitals (Chalice application library)."""
