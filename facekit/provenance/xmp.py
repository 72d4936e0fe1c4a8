"""The XMP packet SafeFace embeds: IPTC DigitalSourceType plus engine, seed, spec and id.

The packet is written before C2PA signs the file (the manifest's hash then covers it) and
is read back with a parser that refuses DTDs, so entity tricks in uploaded files go nowhere.
"""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from .facts import GenerationFacts

logger = logging.getLogger(__name__)

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_SAFEFACE = "urn:safeface:xmp:generation:1.0#"

#: Larger packets are not parsed; ours are well under 4 KiB even with a full spec.
MAX_XMP_BYTES = 256 * 1024


@dataclass(frozen=True)
class XmpFacts:
    """What the XMP packet of a file says; fields are None where the packet is silent."""

    digital_source_type: str | None
    safeface_id: str | None = None
    engine: str | None = None
    seed: int | None = None
    spec: dict[str, Any] | None = None


def build_packet(facts: GenerationFacts) -> str:
    """An XMP packet (a str) describing `facts`, ready for encode_rgb."""
    attributes = {
        "Iptc4xmpExt:DigitalSourceType": facts.kind.digital_source_type,
        "xmp:CreatorTool": "SafeFace",
        "safeface:Id": facts.safeface_id,
        "safeface:Engine": facts.engine,
        "safeface:Spec": json.dumps(dict(facts.spec), sort_keys=True, separators=(",", ":")),
    }
    if facts.seed is not None:
        attributes["safeface:Seed"] = str(facts.seed)
    attrs = "\n    ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        f' <rdf:RDF xmlns:rdf="{escape(NS_RDF)}">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:Iptc4xmpExt="{NS_IPTC_EXT}"\n'
        f'    xmlns:xmp="{NS_XMP}"\n'
        f'    xmlns:safeface="{NS_SAFEFACE}"\n'
        f"    {attrs}/>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )


def parse_packet(packet: bytes | str | None) -> XmpFacts | None:
    """The facts in an XMP packet, or None when there is no packet or it cannot be read.

    Reads both attribute form (ours) and element form (`<Iptc4xmpExt:DigitalSourceType>`),
    which other tools write. Never raises.
    """
    if not packet:
        return None
    if isinstance(packet, str):
        packet = packet.encode("utf-8", errors="replace")
    if len(packet) > MAX_XMP_BYTES:
        logger.info("XMP packet of %d bytes not parsed (limit %d)", len(packet), MAX_XMP_BYTES)
        return None
    # XMP never needs a DTD; refusing one rules out entity expansion and external entities.
    if b"<!DOCTYPE" in packet.upper() or b"<!ENTITY" in packet.upper():
        logger.info("XMP packet with a DTD not parsed")
        return None
    try:
        root = ET.fromstring(_strip_packet_wrapper(packet))
    except ET.ParseError as exc:
        logger.info("unreadable XMP packet: %s", exc)
        return None
    values: dict[str, str] = {}
    for description in root.iter(f"{{{NS_RDF}}}Description"):
        for name, value in description.attrib.items():
            values.setdefault(name, value)
        for child in description:
            if child.text and child.text.strip():
                values.setdefault(child.tag, child.text.strip())
    facts = XmpFacts(
        digital_source_type=values.get(f"{{{NS_IPTC_EXT}}}DigitalSourceType"),
        safeface_id=values.get(f"{{{NS_SAFEFACE}}}Id"),
        engine=values.get(f"{{{NS_SAFEFACE}}}Engine"),
        seed=_int_or_none(values.get(f"{{{NS_SAFEFACE}}}Seed")),
        spec=_json_object_or_none(values.get(f"{{{NS_SAFEFACE}}}Spec")),
    )
    return None if facts == XmpFacts(digital_source_type=None) else facts


def _strip_packet_wrapper(packet: bytes) -> bytes:
    # The <?xpacket?> processing instructions are legal XML, but a leading BOM inside the
    # first one and trailing padding after the last are not always; keep the xmpmeta only.
    start = packet.find(b"<x:xmpmeta")
    end = packet.rfind(b"</x:xmpmeta>")
    if start != -1 and end != -1:
        return packet[start : end + len(b"</x:xmpmeta>")]
    return packet.strip(b"\x00 \r\n\t")


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _json_object_or_none(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
