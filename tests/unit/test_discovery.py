"""The advertiser's texts and choices, without sockets (the network-namespace tests run
them for real): what each persona family would announce, read back by our codec and by
the classifier."""

from __future__ import annotations

import uuid

import pytest

import ptpkit
from ptpkit.discovery.advertise import (
    Advertisement,
    DnsSdAdvertiser,
    SsdpAdvertiser,
    family_for,
)
from ptpkit.discovery.net import Interface
from ptpkit.discovery.records import PTPIP_PORT_HEADER, from_dns_sd, txt_vendor
from ptpkit.proto.ssdp import (
    CANON_EOS_SERVICE,
    SONY_MTP_SERVICE,
    Classification,
    DeviceDescription,
    Notify,
    classify,
    usn_uuid,
)

GUID = bytes(range(16))
IFACE = Interface("veth0", "10.99.0.1", 24)


@pytest.mark.parametrize(
    ("persona", "family"),
    [
        ("generic", "generic"),
        ("nikon", "nikon"),
        ("nikon-z9", "nikon"),
        ("canon-eos", "canon-eos"),
        ("Canon", "canon-eos"),
        ("sony", "sony"),
        ("fuji", "generic"),
    ],
)
def test_family_for(persona: str, family: str):
    assert family_for(persona) == family


def test_advertisement_checks():
    with pytest.raises(ValueError):
        Advertisement("fuji", "127.0.0.1", 15740)
    with pytest.raises(ValueError):
        Advertisement("generic", "127.0.0.1", 15740, guid=b"short")


@pytest.mark.parametrize("family", ["generic", "nikon"])
def test_dns_sd_txt_reads_back(family: str):
    ad = Advertisement(family, "10.99.0.1", 15740, name="Cam", model="M", guid=GUID)
    txt = DnsSdAdvertiser(ad).txt("0A1B2C3D")
    assert txt["guid"] == str(uuid.UUID(bytes=GUID))
    camera = from_dns_sd("Cam._ptp._tcp.local.", ["10.99.0.1"], 15740, txt)
    assert camera is not None
    assert camera.vendor == ("nikon" if family == "nikon" else "ptpkit")
    assert txt_vendor(txt) == camera.vendor
    assert camera.model == (None if family == "nikon" else "M")


@pytest.mark.parametrize(
    ("family", "service", "vendor"),
    [("canon-eos", CANON_EOS_SERVICE, "canon"), ("sony", SONY_MTP_SERVICE, "sony")],
)
def test_ssdp_notifies_read_back(family: str, service: str, vendor: str):
    ad = Advertisement(family, "10.99.0.1", 15741, name="Cam", guid=GUID)
    advertiser = SsdpAdvertiser(ad)
    assert service in advertiser.targets
    alive = Notify.decode(advertiser.notify(service, "ssdp:alive", IFACE))
    assert alive.alive and alive.location and alive.location.startswith("http://10.99.0.1:")
    assert alive.extra.get(PTPIP_PORT_HEADER) == "15741"
    assert usn_uuid(alive.usn) == advertiser.uuid.lower()
    assert advertiser.uuid.endswith(GUID[-6:].hex().upper())
    assert classify(alive.nt, alive.usn, alive.server) == Classification(
        vendor, "canon-eos" if vendor == "canon" else "mtp"
    )
    bye = Notify.decode(advertiser.notify(service, "ssdp:byebye", IFACE))
    assert not bye.alive and bye.location is None
    description = DeviceDescription.decode(advertiser.description)
    assert description.friendly_name == "Cam"
    assert description.services == (service,)


def test_no_port_header_on_the_standard_port():
    advertiser = SsdpAdvertiser(Advertisement("sony", "10.99.0.1", 15740, guid=GUID))
    alive = Notify.decode(advertiser.notify(SONY_MTP_SERVICE, "ssdp:alive", IFACE))
    assert PTPIP_PORT_HEADER not in alive.extra


def test_the_top_level_names():
    assert "discover" in ptpkit.__all__ and "FoundCamera" in ptpkit.__all__
    assert ptpkit.discover(0.5).timeout == 0.5
    with pytest.raises(ValueError):
        ptpkit.discover(-1)
