"""The engines' shell commands (`python -m safeface.engines ...`), one module each.

They sit above the engine packages and call only their public entry points, so no
engine package imports another's command line.
"""
