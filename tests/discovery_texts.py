"""Real discovery texts, as cameras and third-party programs send them, for the SSDP codec
tests and for the hand-written SSDP responder of the network-namespace tests.

Each one names its source (a row of shared/reference/dialects.md §7.2, and where that row
got it). Never produce these with our own encoder.
"""

from __future__ import annotations

# dialects.md §7.2 row "Canon EOS": the ssdp:alive NOTIFY of an EOS 70D, as published with
# its header lines in this order and case (julianschroden.com, 2023-05-10, "Pairing and
# Initializing a PTP/IP Connection with a Canon EOS Camera").
CANON_70D_IP = "192.168.0.120"
CANON_70D_MAC = "60128B7CC240"
CANON_70D_ALIVE = (
    b"NOTIFY * HTTP/1.1\r\n"
    b"Host: 239.255.255.250:1900\r\n"
    b"Cache-Control: max-age=1800\r\n"
    b"Location: http://192.168.0.120:49152/upnp/CameraDevDesc.xml\r\n"
    b"NT: urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1\r\n"
    b"NTS: ssdp:alive\r\n"
    b"Server: Camera OS/1.0 UPnP/1.0 Canon Device Discovery/1.0\r\n"
    b"USN: uuid:00000000-0000-0000-0001-60128B7CC240::"
    b"urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1\r\n"
    b"\r\n"
)

# dialects.md §7.2 row "Sony (Send to Computer)": the NT, USN and SERVER lines a Sony body
# sends, as listed in falk0069/sony-pm-alt `sony-pm-alt.py` (its NOTES comment; MAC
# 784b87a9899a as seen there). That note gives those three lines only: HOST, NTS,
# CACHE-CONTROL and LOCATION are the standard UPnP lines around them (LOCATION's path is
# ours, the note does not give it).
SONY_MAC = "784b87a9899a"
SONY_UUID = f"00000000-0001-0010-8000-{SONY_MAC}"
SONY_SERVER = "FedoraCore/2 UPnP/1.0 MINT-X/1.8.1"
SONY_NTS = (
    f"uuid:{SONY_UUID}",
    "upnp:rootdevice",
    "urn:microsoft-com:device:mtp:1",
    "urn:microsoft-com:service:MtpNullService:1",
)


def sony_usn(nt: str) -> str:
    own = f"uuid:{SONY_UUID}"
    return own if nt == own else f"{own}::{nt}"


def sony_notify(nt: str, ip: str = "192.168.1.50", nts: str = "ssdp:alive") -> bytes:
    lines = ["NOTIFY * HTTP/1.1", "HOST: 239.255.255.250:1900"]
    if nts == "ssdp:alive":  # a byebye carries no CACHE-CONTROL, LOCATION or SERVER
        lines += ["CACHE-CONTROL: max-age=1800", f"LOCATION: http://{ip}:64321/DmsDesc.xml"]
    lines += [f"NT: {nt}", f"NTS: {nts}"]
    if nts == "ssdp:alive":
        lines.append(f"SERVER: {SONY_SERVER}")
    lines.append(f"USN: {sony_usn(nt)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# dialects.md §7.2 row "Sony": "the LOCATION XML contains 'Sony Corporation'" (sony-pm-alt
# checks for exactly that string). The rest is the standard UPnP device description form.
SONY_DESCRIPTION = (
    b'<?xml version="1.0"?>\r\n'
    b'<root xmlns="urn:schemas-upnp-org:device-1-0">\r\n'
    b"  <specVersion><major>1</major><minor>0</minor></specVersion>\r\n"
    b"  <device>\r\n"
    b"    <deviceType>urn:microsoft-com:device:mtp:1</deviceType>\r\n"
    b"    <friendlyName>ILCE-7M3</friendlyName>\r\n"
    b"    <manufacturer>Sony Corporation</manufacturer>\r\n"
    b"    <modelName>ILCE-7M3</modelName>\r\n"
    b"    <UDN>uuid:00000000-0001-0010-8000-784b87a9899a</UDN>\r\n"
    b"    <serviceList><service>\r\n"
    b"      <serviceType>urn:microsoft-com:service:MtpNullService:1</serviceType>\r\n"
    b"      <serviceId>urn:microsoft-com:serviceId:MtpNullService</serviceId>\r\n"
    b"    </service></serviceList>\r\n"
    b"  </device>\r\n"
    b"</root>\r\n"
)

# dialects.md §7.2 row "Canon EOS": "The description XML carries friendlyName/manufacturer
# 'Canon'/modelName/UDN"; the values are the 70D's above.
CANON_70D_DESCRIPTION = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<root xmlns="urn:schemas-upnp-org:device-1-0">'
    b"<specVersion><major>1</major><minor>0</minor></specVersion>"
    b"<device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>"
    b"<friendlyName>Canon EOS 70D</friendlyName><manufacturer>Canon</manufacturer>"
    b"<modelName>Canon EOS 70D</modelName>"
    b"<UDN>uuid:00000000-0000-0000-0001-60128B7CC240</UDN></device></root>"
)

# dialects.md §7.3 row "gupnp-tools": the M-SEARCH `gssdp-discover -t <Canon type>` sends
# (GSSDP 1.6.2, Debian 12), captured on a veth pair between two namespaces on this machine.
GSSDP_MSEARCH_CANON = (
    b"M-SEARCH * HTTP/1.1\r\n"
    b"Host: 239.255.255.250:1900\r\n"
    b'Man: "ssdp:discover"\r\n'
    b"ST: urn:schemas-canon-com:service:ICPO-WFTEOSSystemService:1\r\n"
    b"MX: 3\r\n"
    b"User-Agent: Linux/6.18.44-fc-v1300 UPnP/1.0 GSSDP/1.6.2\r\n"
    b"\r\n"
)

# dialects.md §7.2 row "Canon smartphone / mobile modes": the search targets of the phone
# flow (Rocc's CanonConstants.swift); the M-SEARCH around them is the standard form.
CANON_MOBILE_TARGETS = (
    "urn:schemas-canon-com:service:ICPO-SmartPhoneEOSSystemService:1",
    "urn:schemas-canon-com:service:MobileConnectedCameraService:1",
)

# dialects.md §7.2 row "Sony Camera Remote API": JSON-RPC, not PTP/IP: not a camera for us.
SONY_SCALAR_WEBAPI = "urn:schemas-sony-com:service:ScalarWebAPI:1"

# dialects.md §7.2 row "Fuji PC AutoSave": the camera's UDP text is HTTP-like but not SSDP.
FUJI_AUTOSAVE_DISCOVER = (
    b"DISCOVER X-T2 HTTP/1.1\r\nDSCADDR: 192.168.0.10\r\nSERVICE: PCAUTOSAVE/1.0\r\n\r\n"
)

# dialects.md §7.2 row "Nikon Z": the TXT keys of a Z 9's `_ptp._tcp` service (guid and seq
# are per-camera values; these are placeholders of the same form).
NIKON_Z9_TXT = {
    b"guid": b"0f0e0d0c-0b0a-0908-0706-050403020100",
    b"vid": b"A",
    b"pid": b"450",
    b"seq": b"3A5F",
    b"ver": b"1",
    b"apps": b"NCWC",
    b"grpn": b"NX",
}
