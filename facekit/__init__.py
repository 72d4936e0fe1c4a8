"""The library SafeFace is built from, below the Django apps and the site's glue (safeface/):

- core/: what every app builds on, with Django (job rows, queues, storage, rate limits, the
  shared cache, metrics registration);
- engines/: face generation, analysis, swapping, video, recognition and screening, without
  Django (`python -m facekit.engines` runs them from a shell);
- provenance/: C2PA, XMP and the watermark, without Django.

It never imports an app or the glue (tests/safeface/test_architecture.py).
"""
