from django.db.models.signals import post_delete
from django.dispatch import receiver

from swaps.models import SwapJob, Target


@receiver(post_delete, sender=SwapJob)
@receiver(post_delete, sender=Target)
def remove_files(sender, instance, **kwargs):
    # Also runs for rows deleted with their owner's account (cascade).
    instance.delete_files()
