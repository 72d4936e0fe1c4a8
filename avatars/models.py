"""Avatars: generated faces and their galleries (the studio issue fills this in)."""
