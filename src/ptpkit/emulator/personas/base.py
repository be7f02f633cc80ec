"""What a persona is: one camera family as the emulator plays it (:class:`Persona`).

A persona bundles what makes a family recognisable on the wire: who the camera says
it is (:class:`~ptpkit.emulator.device.CameraIdentity`), what its DeviceInfo says
besides (:class:`~ptpkit.emulator.device.DeviceDescription`: vendor extension id,
events, formats), the operations it answers (an operation table: the generic camera's
plus the vendor's handlers, registered with
:func:`~ptpkit.emulator.operations.operation`), its device properties, and the camera
class that holds the vendor's state (a :class:`~ptpkit.emulator.camera_core.CameraCore`
subclass: per-initiator event queues, the capture under way). ``ptpkit serve --persona
NAME`` and ``ptpkit.emulator.serve(..., persona=NAME)`` play one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ptpkit.emulator.backend import Storage
from ptpkit.emulator.camera_core import CameraCore
from ptpkit.emulator.device import CameraIdentity, DeviceDescription
from ptpkit.emulator.operations import OperationSpec
from ptpkit.emulator.properties import DeviceProperties

__all__ = ["Persona", "PersonaTransport"]

#: The transport a persona's camera speaks: standard PTP/IP, or Fujifilm's variant.
PersonaTransport = Literal["ptpip", "fuji"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Persona:
    """One camera family as the emulator plays it (see the module documentation).

    ``properties`` makes a fresh :class:`DeviceProperties` for each camera (their
    values change). ``camera_class`` is built with the operation table, the
    description, the identity and the properties, and the server's options.
    ``ports``: where the family listens (the first is the default of ``serve``).
    ``store_options``: how the family's folder store names things (e.g. where captures
    go: ``DCIM/100CANON/IMG_0001.JPG``), given to
    :class:`~ptpkit.emulator.folder_store.FolderStore` unless ``serve`` is told otherwise.
    """

    name: str
    summary: str
    identity: CameraIdentity
    description: DeviceDescription
    operations: Mapping[int, OperationSpec[CameraCore]]
    properties: Callable[[], DeviceProperties]
    camera_class: type[CameraCore]
    transport: PersonaTransport = "ptpip"
    ports: tuple[int, ...] = (15740,)
    store_options: Mapping[str, Any] = field(default_factory=dict)

    def make_camera(
        self,
        store: Storage,
        *,
        identity: CameraIdentity | None = None,
        properties: DeviceProperties | None = None,
        **options: Any,
    ) -> CameraCore:
        """This persona's camera over ``store``; ``identity`` and ``properties`` replace
        the persona's, ``options`` go to the camera (``writable``, ``faults``, ...)."""
        return self.camera_class(
            store,
            operations=self.operations,
            description=self.description,
            identity=identity or self.identity,
            properties=properties if properties is not None else self.properties(),
            **options,
        )
