"""The STUN/TURN servers of Live, from the settings: the page gives them to the browser's
RTCPeerConnection, the live worker to aiortc's, so both sides relay through the same TURN server."""

from django.conf import settings


def ice_servers() -> list[dict]:
    """What the browser's RTCPeerConnection is given (SAFEFACE_LIVE_ICE_SERVERS, with the TURN
    credentials); the live worker is given the same."""
    servers = []
    for url in settings.SAFEFACE_LIVE_ICE_SERVERS:
        server = {"urls": url}
        if url.startswith("turn") and settings.SAFEFACE_LIVE_TURN_USERNAME:
            server |= {"username": settings.SAFEFACE_LIVE_TURN_USERNAME, "credential": settings.SAFEFACE_LIVE_TURN_CREDENTIAL}
        servers.append(server)
    return servers
