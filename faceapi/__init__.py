"""The public face API: any value -> the same generated face, blends and morphs (DESIGN.md, "Face API")."""
