"""Capturing a picture: what the camera's dialect does for it (:mod:`ptpkit.dialects`)."""

from __future__ import annotations

from ptpkit.aio.listing import Listing
from ptpkit.aio.models import CameraObject


class Capture(Listing):
    """Capture, on top of the operations, the events and the listing (for the new
    objects' paths). How a picture is taken is the dialect's: InitiateCapture and
    its events for the generic camera, the vendor's own operations otherwise."""

    async def capture(
        self, timeout: float = 30.0, *, storage_id: int = 0, object_format: int = 0
    ) -> list[CameraObject]:
        """Take a picture; the objects it added (with their paths).

        Generic cameras: InitiateCapture, then ObjectAdded and CaptureComplete. A
        vendor's dialect may return an object that lives only in the camera's memory
        (Nikon's 0xFFFF0001): :meth:`download` fetches it like any other, and then
        frees the camera's memory. StoreFull raises
        :class:`~ptpkit.errors.PtpResponseError`; no result within ``timeout``
        seconds, :class:`~ptpkit.errors.PtpTimeoutError`.
        """
        return await self.dialect.capture(
            timeout, storage_id=storage_id, object_format=object_format
        )
