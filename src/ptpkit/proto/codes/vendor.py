"""A few well-known vendor operation codes, named with their vendor.

A vendor's full tables and dataset codecs live in :mod:`ptpkit.proto.vendors`; these are
the ones the generic code needs (64-bit partial transfers, pairing, event polling).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["GENERIC_EXTENSION_IDS", "VendorOperationCode"]

#: VendorExtensionIDs that name no camera maker: Microsoft's (6), and MTP's 0xFFFFFFFF;
#: with them the Manufacturer string tells the vendor (dialects.md §1.2).
GENERIC_EXTENSION_IDS = frozenset({0x00000006, 0xFFFFFFFF})


class VendorOperationCode(IntEnum):
    """Well-known vendor operations (reference sections 2.1 and 5).

    Vendor codes are only meaningful together with the device's VendorExtensionID: the
    same value can mean different things on different brands. The vendor is therefore part
    of every member name.
    """

    # Android MTP extensions (64-bit partial transfers)
    AndroidGetPartialObject64 = 0x95C1
    AndroidSendPartialObject = 0x95C2
    AndroidTruncateObject = 0x95C3
    # Canon EOS
    CanonEosSetPairingInfo = 0x9030
    CanonEosGetPairingInfo = 0x9031
    CanonEosDeletePairingInfo = 0x9032
    CanonEosGetMACAddress = 0x9033
    CanonEosPairingComplete = 0x9035
    CanonEosGetPartialObject = 0x9107
    CanonEosGetDeviceInfoEx = 0x9108
    CanonEosGetObjectInfoEx = 0x9109
    CanonEosSetRemoteMode = 0x9114
    CanonEosSetEventMode = 0x9115
    CanonEosGetEvent = 0x9116
    CanonEosGetPartialObject64 = 0x9172
    # Nikon
    NikonGetProfileAllData = 0x9006
    NikonSendProfileData = 0x9007
    NikonDeleteProfile = 0x9008
    NikonSetProfileData = 0x9009
    NikonGetEvent = 0x90C7
    NikonGetDevicePTPIPInfo = 0x90E0
    NikonGetEventEx = 0x941C
    NikonGetPartialObjectEx = 0x9431
    # Sony
    SonySDIOConnect = 0x9201
    SonyGetExtDeviceInfo = 0x9202
