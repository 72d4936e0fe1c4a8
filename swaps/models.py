"""Swaps: a generated avatar onto a person's own photo or video (the swaps issue fills this in)."""
