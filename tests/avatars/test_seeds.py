"""Seeds are unsigned 64-bit everywhere: a quality-gate retry's seed, derived by
hashing, is above 2**63 half the time and must be stored and read back as is."""

import pytest

from avatars.models import Avatar
from facekit.engines.generation.quality import retry_seed

pytestmark = pytest.mark.django_db

TOP = 2**64 - 1


@pytest.mark.parametrize("seed", [0, 2**63 - 1, 2**63, TOP])
def test_every_64_bit_seed_round_trips(alice, seed):
    avatar = Avatar.objects.create(owner=alice, spec={}, seed=seed, used_seed=seed)

    stored = Avatar.objects.get(pk=avatar.pk)

    assert (stored.seed, stored.used_seed) == (seed, seed)
    assert Avatar.objects.filter(used_seed=seed).get() == avatar


def test_a_retry_seed_above_2_63_is_stored(alice):
    high = next(retry_seed(7, attempt) for attempt in range(1, 50) if retry_seed(7, attempt) >= 2**63)
    avatar = Avatar.objects.create(owner=alice, spec={}, seed=7)
    assert avatar.claim()

    assert avatar.succeed(used_seed=high)

    assert Avatar.objects.get(pk=avatar.pk).used_seed == high


def test_a_seed_outside_64_bits_is_refused(alice):
    with pytest.raises(ValueError, match="between 0 and 2\\*\\*64 - 1"):
        Avatar.objects.create(owner=alice, spec={}, seed=TOP + 1)


def test_the_studio_takes_a_seed_up_to_2_64_minus_1(alice_client):
    response = alice_client.post("/studio/", {"count": "1", "seed": str(TOP)})
    assert response.status_code == 302
    assert Avatar.objects.get().seed == TOP
