"""Stored files that no row points to any more: a worker killed between storing a result and
recording it, a row deleted while its storage was down. The scheduled purge removes them."""

from __future__ import annotations

import time

from django.apps import apps
from django.db import models

from .storage import stored_files


def file_folders_and_names(storage) -> tuple[set[str], set[str]]:
    """The folders the models' file fields on `storage` upload to (outermost only), and
    every name those fields hold."""
    folders, names = set(), set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and isinstance(field.upload_to, str) and field.storage == storage:
                folders.add(field.upload_to.strip("/"))
                names.update(model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True))
    outermost = {folder for folder in folders if not any(folder.startswith(other + "/") for other in folders)}
    return outermost, names


def purge_orphans(storage, older_than: float) -> int:
    """Delete files below the models' upload folders that no row names and that are older
    than `older_than` seconds (younger ones may belong to a task about to record them)."""
    folders, names = file_folders_and_names(storage)
    cutoff, removed = time.time() - older_than, 0
    for folder in sorted(folders):
        for name, modified in list(stored_files(storage, folder)):
            if name not in names and modified < cutoff:
                storage.delete(name)
                removed += 1
    return removed
