"""The public face API: any value -> the same generated face, blends and morphs (docs/architecture.md, "A face API value")."""
