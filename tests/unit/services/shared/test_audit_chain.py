"""The audit chain without storage: the canonical form, the hash, and verification finding the
first break of a stream (altered, missing, inserted, a head that disagrees), and an expired
start told apart from a deletion."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.shared.audit.chain import (
    GENESIS,
    RETENTION,
    BreakKind,
    Change,
    Entry,
    Head,
    canonical_json,
    digest,
    epoch,
    verify_stream,
)

STREAM = "application#app_1"
T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def chain(count: int, *, start: datetime = T0) -> list[Entry]:
    entries: list[Entry] = []
    head = Head()
    for number in range(count):
        change = Change(action="application.decided", before=None, after={"n": number})
        entry = Entry.following(
            head,
            change,
            stream=STREAM,
            actor="sub-1",
            request_id="req-1",
            now=start + timedelta(minutes=number),
        )
        entries.append(entry)
        head = entry.head
    return entries


class TestCanonicalForm:
    def test_keys_are_sorted_and_nothing_is_spaced(self):
        assert canonical_json({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'

    @pytest.mark.parametrize("value", [1.5, {"x": 0.1}, [float("nan")], {1: "x"}, b"bytes"])
    def test_a_value_with_more_than_one_text_is_refused(self, value):
        with pytest.raises(TypeError):
            canonical_json(value)

    def test_a_documents_digest_ignores_key_order(self):
        assert digest({"a": 1.5, "b": [1]}) == digest({"b": [1], "a": 1.5})


class TestEntries:
    def test_each_entry_links_to_the_one_before(self):
        first, second = chain(2)
        assert (first.sequence, first.prev_hash, first.prev_expires_at) == (1, GENESIS, None)
        assert (second.sequence, second.prev_hash) == (2, first.hash)
        assert second.prev_expires_at == first.expires_at == epoch(T0 + RETENTION)

    def test_the_hash_covers_every_field(self):
        [entry] = chain(1)
        changes: list[tuple[str, Any]] = [
            ("actor", "someone-else"),
            ("action", "application.reviewed"),
            ("request_id", None),
            ("after", {"n": 1}),
            ("at", "2020-01-01T00:00:00.000Z"),
            ("expires_at", entry.expires_at + 1),
        ]
        for name, value in changes:
            changed = dataclasses.replace(entry, **{name: value})
            assert changed.computed_hash() != entry.hash, name
        assert entry.computed_hash() == entry.hash


class TestVerification:
    def test_an_intact_stream_has_no_break(self):
        entries = chain(3)
        assert verify_stream(STREAM, entries, entries[-1].head, now=T0) is None

    def test_an_altered_entry_is_found_at_its_number(self):
        entries = chain(3)
        entries[1] = dataclasses.replace(entries[1], after={"n": 99})
        found = verify_stream(STREAM, entries, entries[-1].head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (2, BreakKind.ALTERED)

    def test_an_entry_rewritten_with_a_new_hash_breaks_the_next_link(self):
        entries = chain(3)
        forged = dataclasses.replace(entries[1], after={"n": 99})
        entries[1] = dataclasses.replace(forged, hash=forged.computed_hash())
        found = verify_stream(STREAM, entries, entries[-1].head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (3, BreakKind.ALTERED)

    def test_a_missing_entry_is_found_at_its_number(self):
        entries = chain(3)
        del entries[1]
        found = verify_stream(STREAM, entries, entries[-1].head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (2, BreakKind.MISSING)

    def test_a_missing_last_entry_is_found_by_the_head(self):
        entries = chain(3)
        head = entries.pop().head
        found = verify_stream(STREAM, entries, head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (3, BreakKind.MISSING)

    def test_an_entry_past_the_head_was_inserted(self):
        entries = chain(3)
        found = verify_stream(STREAM, entries, entries[1].head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (3, BreakKind.INSERTED)

    def test_an_entry_with_no_subject_was_inserted(self):
        found = verify_stream(STREAM, chain(1), None, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (1, BreakKind.INSERTED)

    def test_a_number_no_writer_makes_was_inserted(self):
        entries = chain(2)
        entries.insert(1, dataclasses.replace(entries[1], sequence=1.5))
        found = verify_stream(STREAM, entries, entries[-1].head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (1.5, BreakKind.INSERTED)

    def test_a_head_remembering_another_hash_is_a_mismatch(self):
        entries = chain(2)
        head = dataclasses.replace(entries[-1].head, hash="0" * 64)
        found = verify_stream(STREAM, entries, head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (2, BreakKind.HEAD_MISMATCH)

    def test_an_expired_start_is_no_break_but_a_deleted_one_is(self):
        entries = chain(3)
        head = entries[-1].head
        pruned = entries[1:]
        assert verify_stream(STREAM, pruned, head, now=T0 + RETENTION) is None
        found = verify_stream(STREAM, pruned, head, now=T0 + RETENTION - timedelta(days=1))
        assert found is not None
        assert (found.sequence, found.kind) == (1, BreakKind.MISSING)

    def test_a_stream_whose_entries_all_expired_is_no_break(self):
        head = chain(2)[-1].head
        assert verify_stream(STREAM, [], head, now=T0 + RETENTION + timedelta(minutes=1)) is None
        found = verify_stream(STREAM, [], head, now=T0)
        assert found is not None
        assert (found.sequence, found.kind) == (1, BreakKind.MISSING)
