import os
import signal
import time
from pathlib import Path

from django.conf import settings
from django.db.models import F

from facekit.core.jobs import JobError, job_task
from tests.jobapp.models import Chore


@job_task(Chore)
def run_chore(chore: Chore) -> None:
    Chore.objects.filter(pk=chore.pk).update(worker_pid=os.getpid())

    match chore.behaviour:
        case Chore.Behaviour.CRASH_ALWAYS:
            os.kill(os.getpid(), signal.SIGKILL)
        case Chore.Behaviour.HANG_FIRST if chore.attempts == 1:
            while chore.set_progress(10):
                time.sleep(0.2)
            return
        case Chore.Behaviour.REFUSE:
            raise JobError("The chore could not be done.")
        case Chore.Behaviour.BUG:
            raise RuntimeError("a bug")

    # The result appears under its final name only once it is complete.
    out = Path(settings.MEDIA_ROOT) / "chores"
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".chore-{chore.pk}-{os.getpid()}.part"
    tmp.write_text(f"chore {chore.pk}\n")
    final = out / f"chore-{chore.pk}.txt"
    tmp.replace(final)
    chore.succeed(result=final.name, effects=F("effects") + 1)
