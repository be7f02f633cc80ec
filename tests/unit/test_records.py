"""Packets and datasets built from decoded fields (ptpkit.proto.records) are the very
objects their constructors build: equal, equally hashed, frozen."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ptpkit.proto.datasets import ObjectInfo
from ptpkit.proto.packets import Event, OperationRequest, OperationResponse, StartData
from ptpkit.proto.records import unchecked_builder

INFO = ObjectInfo(
    storage_id=0x10001,
    object_format=0x3801,
    protection_status=1,
    object_compressed_size=2048,
    thumb_format=0x3808,
    thumb_compressed_size=100,
    thumb_pix_width=160,
    thumb_pix_height=120,
    image_pix_width=640,
    image_pix_height=480,
    image_bit_depth=24,
    parent_object=5,
    association_type=0,
    association_desc=0,
    sequence_number=9,
    filename="IMG_0001.JPG",
    capture_date="20240102T030405",
    modification_date="20240102T030406",
    keywords="k",
)
BUILT = [
    OperationRequest(1, 0x1008, 5, (7,)),
    OperationResponse(0x2001, 5, (1, 2)),
    Event(0x4002, 0xFFFFFFFF, (3,)),
    StartData(5, 1 << 40),
    INFO,  # 19 fields, keyword-only: the general builder
]


@pytest.mark.parametrize("made", BUILT, ids=lambda p: type(p).__name__)
def test_a_built_object_is_the_constructed_one(made: Any) -> None:
    cls = type(made)
    values = [getattr(made, f.name) for f in dataclasses.fields(made)]
    built = unchecked_builder(cls)(*values)
    assert type(built) is cls
    assert built == made and hash(built) == hash(made) and repr(built) == repr(made)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, dataclasses.fields(made)[0].name, 1)
    with pytest.raises(TypeError):  # every field, no more, no less
        unchecked_builder(cls)(*values[:-1])


def test_the_builder_says_which_class_it_builds() -> None:
    assert unchecked_builder(StartData).__name__ == "build_StartData"
