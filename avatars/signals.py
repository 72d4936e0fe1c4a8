from django.db.models.signals import post_delete
from django.dispatch import receiver

from avatars.models import Avatar


@receiver(post_delete, sender=Avatar)
def remove_files(sender, instance, **kwargs):
    # Also runs for avatars deleted with their owner's account (cascade).
    instance.delete_files()
