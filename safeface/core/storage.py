"""File storage that never shows a half-written file under its final name."""

import os
import tempfile
from pathlib import Path

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    """Writes to a hidden temporary file beside the target, then links it into
    place; a worker killed mid-write leaves no partial file with a real name."""

    def _save(self, name, content):
        while True:
            target = Path(self.path(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    if hasattr(content, "seek"):
                        content.seek(0)
                    for chunk in content.chunks():
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                try:
                    os.link(tmp, target)  # unlike rename, refuses to replace an existing file
                except FileExistsError:
                    name = self.get_available_name(name)
                    continue
            finally:
                os.unlink(tmp)
            if self.file_permissions_mode is not None:
                os.chmod(target, self.file_permissions_mode)
            return str(name).replace("\\", "/")
