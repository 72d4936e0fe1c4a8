import pytest

from tests.swaps.conftest import generated, make_avatar, media, no_queue, stored_files  # noqa: F401  (the fixtures)

OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n"


@pytest.fixture
def offer():
    return OFFER
