"""What changed between two versions of a plan, item by item: adds, edits, moves, removals.

A version's snapshot is the list of its items in order (see `services.snapshot`). A move is
an item whose place among the items both versions share changed: the items kept in order
are a longest common subsequence, and every other shared item moved.
"""

from dataclasses import dataclass, field

from .models import Section

FIELDS = ("text", "signs", "helps", "steps", "measure", "review_date", "person")


@dataclass(frozen=True)
class Change:
    change: str  # added, edited, moved, removed
    section: str
    id: str
    text: str
    fields: tuple[str, ...] = ()
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)

    @property
    def section_label(self) -> str:
        return Section(self.section).label


def _kept_in_order(a: list[str], b: list[str]) -> set[str]:
    """The ids of a longest common subsequence of a and b."""
    n, m = len(a), len(b)
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    kept, i, j = set(), 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            kept.add(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def diff(old: list[dict], new: list[dict]) -> list[Change]:
    """The changes that turn `old` into `new`, section by section, in the new order (items
    removed come after the section's others)."""
    changes: list[Change] = []
    for section in Section.values:
        before = [item for item in old if item["section"] == section]
        after = [item for item in new if item["section"] == section]
        before_by_id = {item["id"]: item for item in before}
        after_ids = {item["id"] for item in after}
        shared_before = [item["id"] for item in before if item["id"] in after_ids]
        shared_after = [item["id"] for item in after if item["id"] in before_by_id]
        kept = _kept_in_order(shared_before, shared_after)
        for item in after:
            old_item = before_by_id.get(item["id"])
            if old_item is None:
                changes.append(Change("added", section, item["id"], item["text"], after=item))
                continue
            if item["id"] not in kept:
                changes.append(
                    Change(
                        "moved",
                        section,
                        item["id"],
                        item["text"],
                        before={"place": shared_before.index(item["id"]) + 1},
                        after={"place": shared_after.index(item["id"]) + 1},
                    )
                )
            edited = tuple(name for name in FIELDS if old_item.get(name) != item.get(name))
            if edited:
                changes.append(
                    Change(
                        "edited",
                        section,
                        item["id"],
                        item["text"],
                        fields=edited,
                        before={name: old_item.get(name) for name in edited},
                        after={name: item.get(name) for name in edited},
                    )
                )
        for item in before:
            if item["id"] not in after_ids:
                changes.append(Change("removed", section, item["id"], item["text"], before=item))
    return changes
