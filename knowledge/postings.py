"""Posting lists: which entries hold which stem, and where (domain layer: standard library only).

Entries are numbered by rank (see `knowledge.index`). For every stem there are two lists: the
entries holding it anywhere, in rank order, and the entries holding it in one of their
phrasings, lightest such phrasing first (its weight is the posting's "impact": no entry later in
the list can match a question on that stem more closely). Stems held by many entries also get a
bitmap (a bit per rank), so that intersecting two common stems is a few machine operations.
"""

from __future__ import annotations

import heapq
import itertools
import operator
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

ANYWHERE, PHRASED = 0, 1  # where an entry holds a stem: anywhere, or in one of its phrasings

# A posting list this long (and at least 1/BITMAP_DENSITY of all entries) also gets a bitmap.
# (1,024: at 100,000 facts a topic word's lists, 1,800-3,000 entries, then intersect as ints,
# not as Python sets; at a million facts the density rule decides, so its memory is unchanged.)
BITMAP_MIN_POSTINGS = 1024
BITMAP_DENSITY = 128

_NONZERO_BYTES = re.compile(rb"[^\x00]+")
_BITS_OF_BYTE = tuple(tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256))
_NONZERO_TO_ONE = bytes([0] + [1] * 255)  # a `bytes.translate` table
# A bitmap with at most one set bit per this many bytes is "sparse" (see `_set_bits`); denser
# ones hold runs of non-zero bytes, which the regex takes a run at a time.
_SPARSE_BITS = 2
_FEW_BITS = 16  # a bitmap with at most this many set bits is listed highest bit first
UNSURE = 255  # no single phrasing is known to be the lightest holding a stem
# Phrasing weights this close (relative) count as equal: which one is lightest is unsure.
_CLOSE = 1e-9
# Impacts are stored as 32-bit floats, shaved so that rounding never raises one above its
# true value (an impact is a lower bound; a higher one would prune too much).
_SHAVE = 1 - 2**-20
# An impact-ordered walk that has kept fewer than 1 in _SWITCH_RATIO of the first
# _SWITCH_AFTER entries it visited switches to an intersection.
_SWITCH_AFTER = 256
# An intersection of bitmaps with at most this many members is listed once and remembered.
_EAGER_BITS = 4096
_SWITCH_RATIO = 32
_BIT_TEST_COST = 2  # one rank's bit test (`_Pool.in_bitmap`), in units of one set lookup


@dataclass(frozen=True, slots=True)
class Term:
    """A question term: the ids of the stems it matches, its weight, their summed IDF."""

    ids: tuple[int, ...]
    weight: float
    mass: float


class Postings:
    """The posting lists of an index, built once; read-only afterwards."""

    def __init__(
        self,
        size: int,
        lists: tuple[list[array], list[array]],
        impacts: list[array],
        sources: list[array],
        bitmaps: tuple[dict[int, bytes], dict[int, bytes]],
    ) -> None:
        self.size = size
        self.lists = lists  # by side, then stem id
        self.impacts = impacts  # by stem id, parallel to lists[PHRASED]
        # By stem id, parallel to lists[PHRASED]: which of the entry's phrasings the impact
        # comes from (UNSURE if two phrasings holding the stem weigh the same).
        self.sources = sources
        self.bitmaps = bitmaps  # by side, then stem id (common stems only)

    @classmethod
    def build(
        cls,
        size: int,
        stem_count: int,
        entries: Iterable[tuple[list[tuple[float, Sequence[int]]], Sequence[int]]],
    ) -> Postings:
        """Posting lists from `entries` in rank order: each is its phrasings, as (weight, stem
        ids) pairs, and the stem ids it holds outside its phrasings.

        Two phrasings of an entry that hold the same stems ("the eu oil price caps", "eu oil
        price caps", or an alias repeating a fragment) weigh the same and match any question
        alike, and the search takes the first of equally good phrasings: so the first is the
        source of their impact, not UNSURE."""
        lists: tuple[list[array], list[array]] = (
            [array("I") for _ in range(stem_count)],
            [array("I") for _ in range(stem_count)],
        )
        impacts = [array("f") for _ in range(stem_count)]
        sources = [array("B") for _ in range(stem_count)]
        add_anywhere = [posting.append for posting in lists[ANYWHERE]]
        add_phrased = [posting.append for posting in lists[PHRASED]]
        add_impact = [impact.append for impact in impacts]
        add_source = [source.append for source in sources]
        for rank, (phrasings, outside) in enumerate(entries):
            # Each stem's lightest phrasing; UNSURE when two holding it weigh (nearly) the same.
            weights: dict[int, float] = {}
            sources_of: dict[int, int] = {}
            for which, (weight, stem_ids) in enumerate(phrasings):
                for stem_id in stem_ids:
                    known = weights.get(stem_id)
                    if known is None or weight < known - _CLOSE * known:
                        weights[stem_id] = weight
                        sources_of[stem_id] = which if which < UNSURE else UNSURE
                    elif weight <= known + _CLOSE * known:
                        weights[stem_id] = min(weight, known)
                        first = sources_of[stem_id]
                        if first == UNSURE or set(phrasings[first][1]) != set(stem_ids):
                            sources_of[stem_id] = UNSURE
            for stem_id, weight in weights.items():
                add_phrased[stem_id](rank)
                add_impact[stem_id](weight * _SHAVE)
                add_source[stem_id](sources_of[stem_id])
                add_anywhere[stem_id](rank)
            for stem_id in outside:
                add_anywhere[stem_id](rank)
        for stem_id, impact in enumerate(impacts):
            if len(impact) > 1:
                by_impact = sorted(range(len(impact)), key=impact.__getitem__)  # stable: ranks
                ranks, source = lists[PHRASED][stem_id], sources[stem_id]
                lists[PHRASED][stem_id] = array("I", map(ranks.__getitem__, by_impact))
                impacts[stem_id] = array("f", map(impact.__getitem__, by_impact))
                sources[stem_id] = array("B", map(source.__getitem__, by_impact))
        threshold = max(size // BITMAP_DENSITY, BITMAP_MIN_POSTINGS)
        bitmaps: tuple[dict[int, bytes], dict[int, bytes]] = ({}, {})
        for side in (ANYWHERE, PHRASED):
            for stem_id, posting in enumerate(lists[side]):
                if len(posting) >= threshold:
                    bitmaps[side][stem_id] = _bitmap(posting, size)
        return cls(size, lists, impacts, sources, bitmaps)


class Lookup:
    """Posting-list work for one search: the sets and bitmaps it intersects are built at most
    once per term and side."""

    def __init__(self, postings: Postings, lightest: Sequence[float]) -> None:
        self.postings = postings
        self.lightest = lightest  # by rank: the weight of the entry's lightest phrasing
        self._sets: dict[tuple[tuple[int, ...], int], set[int]] = {}
        self._bitmaps: dict[tuple[tuple[int, ...], int], int | None] = {}
        self._ands: dict[tuple[tuple[tuple[int, ...], int], ...], int] = {}
        self._founds: dict[tuple[tuple[tuple[int, ...], int], ...], list[int]] = {}
        self._sizes: dict[tuple[tuple[int, ...], int], int] = {}

    def size(self, term: Term, side: int) -> int:
        key = (term.ids, side)
        size = self._sizes.get(key)
        if size is None:
            size = self._sizes[key] = sum(len(self.postings.lists[side][i]) for i in term.ids)
        return size

    def ranks(self, term: Term, side: int) -> Sequence[int]:
        """The term's ranks on `side`, ascending."""
        lists = self.postings.lists[side]
        if len(term.ids) == 1 and side == ANYWHERE:
            return lists[term.ids[0]]
        return sorted(set().union(*(lists[i] for i in term.ids)))

    def set(self, term: Term, side: int) -> set[int]:
        key = (term.ids, side)
        found = self._sets.get(key)
        if found is None:
            lists = self.postings.lists[side]
            found = self._sets[key] = set().union(*(lists[i] for i in term.ids))
        return found

    def bitmap(self, term: Term, side: int) -> int | None:
        """The term's ranks as an int bitmap, if its stems are common enough to have one."""
        key = (term.ids, side)
        if key not in self._bitmaps:
            stored = self.postings.bitmaps[side]
            bitmap: int | None = None
            if all(i in stored for i in term.ids):
                bitmap = 0
                for i in term.ids:
                    bitmap |= int.from_bytes(stored[i], "little")
            self._bitmaps[key] = bitmap
        return self._bitmaps[key]

    def states(self, terms: list[Term], rare: list[Term]) -> dict[tuple[int, ...], list[int]]:
        """The entries holding any `rare` term, by which of `terms` they hold and where: per
        term 0 (not at all), 1 (only outside the phrasings) or 2 (in a phrasing); each list
        in rank order.

        Rare terms have short lists, so this touches few entries: a membership test per entry
        and term (a bitmap's bit, or a C set intersection when the term's list is short too).
        """
        lists = self.postings.lists
        pool = _Pool(set().union(*(lists[ANYWHERE][i] for term in rare for i in term.ids)))
        codes = dict.fromkeys(pool.ranks, 0)  # rank -> sum of state * 3**place
        for place, term in enumerate(terms):
            for side in (ANYWHERE, PHRASED):
                step = 3**place
                for rank in self._held(term, side, pool):
                    codes[rank] += step
        by_code: dict[int, list[int]] = {}
        for rank, code in codes.items():  # in rank order
            by_code.setdefault(code, []).append(rank)
        return {_digits(code, len(terms)): ranks for code, ranks in by_code.items()}

    def _held(self, term: Term, side: int, pool: _Pool) -> set[int]:
        """The ranks of `pool` holding `term` on `side`."""
        held: set[int] = set()
        for stem_id in term.ids:
            posting = self.postings.lists[side][stem_id]
            data = self.postings.bitmaps[side].get(stem_id)
            if data is not None and _BIT_TEST_COST * len(pool.ranks) < len(posting):
                held.update(pool.in_bitmap(data))
            else:
                held.update(pool.members.intersection(posting))
        return held

    def group(
        self, lists: list[tuple[Term, int]], light: list[Term]
    ) -> Iterator[tuple[int, float, int]]:
        """The entries holding every term of `lists` on its side (with no lists: the entries
        holding any light term anywhere), as (rank, weight, phrasing), weight ascending: a
        lower bound of the weight of any phrasing the question can share stems with, and the
        phrasing that has it if known (else UNSURE).

        With no light terms and one term in phrasings (a single stem), only phrasings holding
        that stem can share anything: its impact-ordered list drives, and the phrasing is
        known. Otherwise the weight is the entry's lightest phrasing, in rank order.
        """
        lightest = self.lightest
        if not lists:
            ranks = heapq.merge(*(self.ranks(t, ANYWHERE) for t in light))
            return ((rank, lightest[rank], UNSURE) for rank in ranks)
        phrased = [ts for ts in lists if ts[1] == PHRASED]
        if not light and len(phrased) == 1 and len(phrased[0][0].ids) == 1:
            driver = phrased[0]
            others = [ts for ts in lists if ts is not driver]
            if not others:
                # The whole list, as is: a C iterator (a question one common term matches
                # well walks thousands of entries).
                stem_id = driver[0].ids[0]
                postings = self.postings
                return zip(
                    postings.lists[PHRASED][stem_id],
                    postings.impacts[stem_id],
                    postings.sources[stem_id],
                    strict=True,
                )
            if all(self.size(*ts) >= self.size(*driver) for ts in others):
                return self._by_impact(driver[0].ids[0], others)
        if len(lists) == 1:
            return ((rank, lightest[rank], UNSURE) for rank in self.ranks(*lists[0]))
        return ((rank, lightest[rank], UNSURE) for rank in self._intersection(lists))

    def _by_impact(
        self, stem_id: int, others: list[tuple[Term, int]]
    ) -> Iterator[tuple[int, float, int]]:
        """The driver's list in impact order, keeping the ranks that hold the other terms too.
        When few do, the rest of the group comes from an intersection instead (rank order):
        walking a long list to find a few members costs more than intersecting."""
        tests = []
        for term, side in others:
            data = self.postings.bitmaps[side].get(term.ids[0]) if len(term.ids) == 1 else None
            tests.append((None, data) if data is not None else (self.set(term, side), None))
        ranks = self.postings.lists[PHRASED][stem_id]
        impacts = self.postings.impacts[stem_id]
        sources = self.postings.sources[stem_id]
        kept = 0
        walk = zip(ranks, impacts, sources, strict=True)
        for visited, (rank, impact, source) in enumerate(walk, start=1):
            for members, data in tests:
                if members is not None:
                    if rank not in members:
                        break
                elif not data[rank >> 3] >> (rank & 7) & 1:  # type: ignore[index]
                    break
            else:
                kept += 1
                yield rank, impact, source
            if visited >= _SWITCH_AFTER and kept * _SWITCH_RATIO < visited:
                break
        else:
            return
        term = Term((stem_id,), 0.0, 0.0)
        lightest = self.lightest
        for rank in self._intersection([(term, PHRASED), *others]):
            yield rank, lightest[rank], UNSURE

    def _intersection(self, lists: list[tuple[Term, int]]) -> Iterator[int]:
        """Ranks, ascending, holding every term of `lists` on its side.

        Groups share most of their lists, so results are remembered for the search and built
        one list at a time from the result without it (smallest lists first)."""
        ordered = sorted(lists, key=lambda ts: self.size(*ts))
        if all(self.bitmap(*ts) is not None for ts in ordered):
            both = self._bits_of(ordered)
            if both.bit_count() > _EAGER_BITS:
                return _set_bits(both, (self.postings.size + 7) // 8)  # lazy: may stop early
        return iter(self._found(ordered))

    def _bits_of(self, ordered: list[tuple[Term, int]]) -> int:
        key = tuple((t.ids, side) for t, side in ordered)
        both = self._ands.get(key)
        if both is None:
            if len(ordered) == 1:
                both = self.bitmap(*ordered[0])
            else:
                both = self._bits_of(ordered[:-1]) & self.bitmap(*ordered[-1])  # type: ignore[operator]
            self._ands[key] = both  # type: ignore[assignment]
        return both  # type: ignore[return-value]

    def _found(self, ordered: list[tuple[Term, int]]) -> list[int]:
        key = tuple((t.ids, side) for t, side in ordered)
        found = self._founds.get(key)
        if found is not None:
            return found
        if all(self.bitmap(*ts) is not None for ts in ordered):
            both = self._bits_of(ordered)
            found = list(_set_bits(both, (self.postings.size + 7) // 8)) if both else []
        elif len(ordered) == 1:
            found = sorted(self.set(*ordered[0]))
        else:
            parent = self._found(ordered[:-1])
            term, side = ordered[-1]
            data = self.postings.bitmaps[side].get(term.ids[0]) if len(term.ids) == 1 else None
            if data is not None:
                found = [r for r in parent if data[r >> 3] >> (r & 7) & 1]
            else:
                members = self.set(term, side)
                found = [r for r in parent if r in members]
        self._founds[key] = found
        return found


class _Pool:
    """A few ranks, ascending, set up to be tested against bitmaps by C loops."""

    def __init__(self, members: set[int]) -> None:
        self.members = members
        self.ranks = sorted(members)
        # Each rank's byte in a bitmap, fetched all at once, and its bit in that byte. (An
        # itemgetter of one item returns it, not a tuple of one: fewer than two go one by one.)
        many = len(self.ranks) > 1
        self._bytes = operator.itemgetter(*(rank >> 3 for rank in self.ranks)) if many else None
        self._bits = [1 << (rank & 7) for rank in self.ranks]

    def in_bitmap(self, data: bytes) -> Iterator[int]:
        """The ranks whose bit is set in `data`, ascending."""
        if self._bytes is None:
            return iter([rank for rank in self.ranks if data[rank >> 3] >> (rank & 7) & 1])
        return itertools.compress(self.ranks, map(operator.and_, self._bytes(data), self._bits))


def _digits(code: int, count: int) -> tuple[int, ...]:
    """`count` base-3 digits of `code`, the lowest first."""
    digits = []
    for _ in range(count):
        code, digit = divmod(code, 3)
        digits.append(digit)
    return tuple(digits)


def _bitmap(ranks: Sequence[int], size: int) -> bytes:
    """A bit per rank below `size`, set for `ranks` (bit r of byte r // 8: the little-endian
    bytes of the sum of 2**r). Built as the binary digits of that number, written by C loops
    (a map of `__setitem__`, then `int(..., 2)`): a Python loop per rank takes seconds at a
    million entries."""
    digits = bytearray(b"0" * size)  # digit r is rank size - 1 - r: reversed below
    any(map(digits.__setitem__, ranks, itertools.repeat(ord("1"))))
    return int(digits[::-1] or b"0", 2).to_bytes((size + 7) // 8, "little")


def _set_bits(bitmap: int, width: int) -> Iterator[int]:
    """The positions of the set bits of `bitmap`, ascending (lazily: a caller may stop early)."""
    count = bitmap.bit_count()
    if count <= _FEW_BITS:
        # A handful: the highest bit is found and cleared, each step costing about as much as
        # the bytes below that bit (fractions of a microsecond low in a bitmap, tens near the
        # top of a million-bit one), where even `bytes.find` first copies the whole bitmap
        # twice.
        found = []
        while bitmap:
            highest = bitmap.bit_length() - 1
            found.append(highest)
            bitmap ^= 1 << highest
        yield from reversed(found)
        return
    data = bitmap.to_bytes(width, "little")
    if count <= width // _SPARSE_BITS:
        # Few bits: `bytes.find` jumps from one non-zero byte to the next (a C scan of a copy
        # with every non-zero byte made 1), several times faster than the regex on sparse data.
        find = data.translate(_NONZERO_TO_ONE).find
        at = find(1)
        while at >= 0:
            start = at * 8
            for bit in _BITS_OF_BYTE[data[at]]:
                yield start + bit
            at = find(1, at + 1)
        return
    for run in _NONZERO_BYTES.finditer(data):
        first = run.start()
        for offset, byte in enumerate(run.group()):
            at = (first + offset) * 8
            for bit in _BITS_OF_BYTE[byte]:
                yield at + bit
