"""Use cases: validate (pydantic) -> load -> decide (domain) -> write (store) -> respond."""
