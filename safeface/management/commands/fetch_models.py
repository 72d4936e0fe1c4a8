"""`python manage.py fetch_models`: download the production weights into SAFEFACE_MODELS_DIR once.

insightface's buffalo_l and inswapper come over plain HTTP from pinned URLs with pinned
sizes and SHA-256 digests (resumable). The diffusion model is a Hugging Face repository
of many files whose digests the Hub itself publishes, so it goes through
`huggingface_hub.snapshot_download` (which resumes and checks each file against the
Hub's metadata) -- only here: the engines never download at run time.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from facekit.engines import production_weights
from facekit.engines.model_download import DownloadError, OfflineError, download, unpack_onnx_members

OFFLINE_HINT = (
    "This machine cannot reach the model host. Run the command where there is internet access "
    "and copy {models_dir} here, or point --base-url / --hf-endpoint at a mirror. "
    "Until then SafeFace keeps using its offline engines."
)


class Command(BaseCommand):
    help = "Download production model weights (buffalo_l, inswapper, the diffusion model) into SAFEFACE_MODELS_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", choices=production_weights.MODEL_NAMES, metavar="MODEL",
                            help=f"fetch only this model (repeatable): {', '.join(production_weights.MODEL_NAMES)}")
        parser.add_argument("--models-dir", type=Path, help="default: settings.SAFEFACE_MODELS_DIR")
        parser.add_argument("--base-url", default=production_weights.INSIGHTFACE_RELEASES,
                            help="where buffalo_l.zip and inswapper_128.onnx are served (a mirror)")
        parser.add_argument("--diffusion-model", default=None,
                            help=f"Hugging Face repo id (default: SAFEFACE_DIFFUSION_MODEL or "
                                 f"{production_weights.DEFAULT_DIFFUSION_MODEL})")
        parser.add_argument("--hf-endpoint", default=None, help="Hugging Face Hub endpoint (a mirror)")
        parser.add_argument("--timeout", type=float, default=30.0, help="network timeout in seconds")

    def handle(self, *args, **options):
        models_dir = Path(options["models_dir"] or settings.SAFEFACE_MODELS_DIR)
        chosen = options["only"] or list(production_weights.MODEL_NAMES)
        self.stdout.write(f"Models folder: {models_dir}")
        try:
            for file in production_weights.HTTP_FILES:
                if file.model in chosen:
                    self._fetch_http(file, models_dir, options["base_url"], options["timeout"])
            if production_weights.DIFFUSION in chosen:
                model_id = (options["diffusion_model"]
                            or getattr(settings, "SAFEFACE_DIFFUSION_MODEL", production_weights.DEFAULT_DIFFUSION_MODEL))
                self._fetch_diffusion(model_id, models_dir, options["hf_endpoint"])
        except OfflineError as error:
            raise CommandError(f"{error}. {OFFLINE_HINT.format(models_dir=models_dir)}") from None
        except DownloadError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("All requested models are in place."))

    def _fetch_http(self, file: production_weights.ModelFile, models_dir: Path, base_url: str, timeout: float) -> None:
        if file.is_present(models_dir):
            self.stdout.write(f"{file.model}: already present")
            return
        url = file.url(base_url)
        self.stdout.write(f"{file.model}: {file.filename} ({_megabytes(file.size)}) from {url}")
        if file.unpack_to is None:
            download(url, models_dir / file.target, file.size, file.sha256, self._progress_bar(file.filename), timeout)
            self.stdout.write(f"{file.model}: verified, saved to {models_dir / file.target}")
            return
        archive = download(url, models_dir / "downloads" / file.filename, file.size, file.sha256,
                           self._progress_bar(file.filename), timeout)
        names = unpack_onnx_members(archive, models_dir / file.unpack_to)
        archive.unlink()
        self.stdout.write(f"{file.model}: verified, unpacked {', '.join(names)} into {models_dir / file.unpack_to}")

    def _fetch_diffusion(self, model_id: str, models_dir: Path, endpoint: str | None) -> None:
        # Imported here so that the rest of the command works without the Hub client.
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import HfHubHTTPError

        target = production_weights.diffusion_model_dir(models_dir, model_id)
        arguments = dict(repo_id=model_id, local_dir=target, endpoint=endpoint,
                         allow_patterns=list(production_weights.DIFFUSION_ALLOW_PATTERNS))
        try:
            planned = snapshot_download(**arguments, dry_run=True)
            total = sum(item.file_size or 0 for item in planned)
            self.stdout.write(f"diffusion: {model_id}, {len(planned)} files ({_megabytes(total)}) into {target}")
            snapshot_download(**arguments)  # shows the Hub client's own per-file progress bars
        except HfHubHTTPError as error:
            raise DownloadError(f"the Hub refused {model_id}: {_first_line(error)}") from None
        except OSError as error:  # LocalEntryNotFoundError and connection failures are OSErrors
            raise OfflineError(f"cannot reach the Hugging Face Hub for {model_id} ({_first_line(error)})") from None
        self.stdout.write(f"diffusion: {model_id} saved to {target}")

    def _progress_bar(self, label: str):
        """A one-line bar redrawn in place on a terminal; every 10% as its own line in a log."""
        interactive = self.stdout.isatty()
        step = 1 if interactive else 10
        last = {"shown": -step}

        def show(done: int, total: int) -> None:
            percent = int(100 * done / total) if total else 100
            if percent - last["shown"] < step and percent != 100 or percent == last["shown"]:
                return
            last["shown"] = percent
            filled = percent // 4
            bar = "#" * filled + "." * (25 - filled)
            line = f"  {label} [{bar}] {percent:3d}%  {_megabytes(done)} / {_megabytes(total)}"
            ending = "" if interactive and percent < 100 else "\n"
            self.stdout.write(("\r" + line) if interactive else line, ending=ending)
            self.stdout.flush()

        return show


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
