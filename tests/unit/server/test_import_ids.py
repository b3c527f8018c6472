"""The importer's bulk ids: random version-4 UUIDs that the rest of the code
treats as any `uuid.UUID`, and name-based keys equal to `uuid.uuid5`."""

from __future__ import annotations

import uuid

from server.integrations.fast_ids import NameIds, new_ids
from server.integrations.importer import entry_key


def test_new_ids_are_distinct_version_4_uuids() -> None:
    ids = new_ids(5000)
    assert len(set(ids)) == 5000
    for value in ids[:50]:
        assert isinstance(value, uuid.UUID)
        assert (value.version, value.variant) == (4, uuid.RFC_4122)
        standard = uuid.UUID(str(value))
        assert standard == value and hash(standard) == hash(value)
        assert {standard: 1}[value] == 1  # found by either form in a dict
    assert new_ids(0) == []


def test_name_ids_equal_uuid5_and_the_entry_key() -> None:
    integration = uuid.uuid4()
    keys = NameIds(integration)
    for name in ("1", "10000001", "é€ 漢字", "x" * 255, ""):
        assert keys(name) == uuid.uuid5(integration, name) == entry_key(integration, name)
