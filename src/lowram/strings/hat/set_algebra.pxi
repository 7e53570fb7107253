# The set operators, written once on a few primitives rather than by hand per operator: the
# comparisons share _compare, the operators, named methods and in-place forms share the
# builders below. Included by hat_trie.pyx.


cdef class _SetAlgebra(_HatTrie):
    """The operators of ``set`` on a trie of str keys, for MutableStringSet.

    Built on ``_has`` (membership; any non-str is absent), ``_add_all`` (a subclass's bulk
    insert, all or nothing), ``discard``, ``clear``, ``copy`` and ``_empty_like``, as the
    ``collections.abc.Set`` mixins are built on ``__contains__``, ``__iter__`` and ``__len__``.
    As for ``set``: comparisons take any ``collections.abc.Set``; ``|``, ``&``, ``-`` and ``^``
    (and their reflected and in-place forms) take any iterable, as the ``collections.abc.Set``
    mixins do; the named methods take any iterables. Results are new sets of the same class
    and tuning.
    """

    __hash__ = None

    # ------------------------------------------------------------------ primitives

    cdef Py_ssize_t _add_all(self, iterable) except -1:
        """Add every key of iterable, all or nothing; how many were new (the subclass's)."""
        raise NotImplementedError(f"{type(self).__name__} has no bulk insert")

    cdef inline int _has(self, key) except -1:
        """1 when key is a key, 0 otherwise (any non-str is absent). Cost: O(len(key))."""
        cdef lowram_key k
        cdef int r = _query_key(key, &k)
        if r:
            return 0
        r = hat_contains(self._t, k.p, <size_t>k.n)
        lowram_key_done(&k)
        return r

    cdef int _swap(self, _SetAlgebra other) except -1:
        """Take other's trie (other gets ours)."""
        self._t, other._t = other._t, self._t
        self._version += 1
        other._version += 1
        return 0

    cdef bint _subset_of(self, other) except -1:
        if isinstance(other, _SetAlgebra):
            for key in self:
                if not (<_SetAlgebra>other)._has(key):
                    return False
            return True
        for key in self:
            if key not in other:
                return False
        return True

    cdef bint _superset_of(self, other) except -1:
        for key in other:
            if not self._has(key):
                return False
        return True

    cdef object _compare(self, other, int op):
        """``self <op> other`` for another Set (op: Py_EQ .. Py_GE); NotImplemented otherwise.

        The sizes decide first, then one pass over the smaller side's keys.
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        cdef Py_ssize_t n = len(self), m = len(other)
        if op == Py_EQ:
            return n == m and self._subset_of(other)
        if op == Py_NE:
            return not (n == m and self._subset_of(other))
        if op == Py_LE:
            return n <= m and self._subset_of(other)
        if op == Py_LT:
            return n < m and self._subset_of(other)
        if op == Py_GE:
            return n >= m and self._superset_of(other)
        return n > m and self._superset_of(other)

    # ------------------------------------------------------------------ builders

    cdef _SetAlgebra _own_keys(self, other, bint inside):
        """A new set of this set's keys that are (inside) or are not (not inside) in other."""
        cdef _SetAlgebra result = <_SetAlgebra>self._empty_like()
        result._add_all([k for k in self if (k in other) == inside])
        return result

    cdef _SetAlgebra _items_of(self, other, bint inside):
        """A new set of the items of other that are (inside) or are not keys of this set."""
        cdef _SetAlgebra result = <_SetAlgebra>self._empty_like()
        result._add_all([k for k in other if self._has(k) == inside])
        return result

    cdef _SetAlgebra _union(self, tuple others):
        cdef _SetAlgebra result = self.copy()
        for other in others:
            result._add_all(other)
        return result

    cdef _SetAlgebra _intersection(self, other):
        """A new set of the keys also in other; one pass over the smaller side when known."""
        if isinstance(other, _abc.Set) and len(other) > len(self):
            return self._own_keys(other, True)
        return self._items_of(other, True)

    cdef _SetAlgebra _symmetric_difference(self, other):
        cdef _SetAlgebra result = self.copy()
        result._toggle(other)
        return result

    cdef int _discard_all(self, other, list removed) except -1:
        """Remove the items of other (a set of this class is listed first: it may be self),
        appending each key removed to ``removed`` (the caller's undo log: an iterable that
        raises half way leaves the set as it was once the caller adds them back)."""
        if other is self:
            removed.extend(self)
            self.clear()
            return 0
        for key in (list(other) if isinstance(other, _SetAlgebra) else other):
            if self._remove(key):
                removed.append(key)
        return 0

    cdef int _discard_each(self, tuple others) except -1:
        """Remove the items of every iterable of ``others``, all or nothing."""
        cdef list removed = []
        try:
            for other in others:
                self._discard_all(other, removed)
        except BaseException:
            self._add_all(removed)
            raise
        return 0

    cdef int _toggle(self, other) except -1:
        """Keep the keys in exactly one of self and other, all or nothing: what to add and
        what to remove are gathered before the set changes, the additions go in as one batch,
        and a removal that fails (an allocation refused) puts back what went before it."""
        if other is self:
            self.clear()
            return 0
        cdef _SetAlgebra items = <_SetAlgebra>self._empty_like()
        items._add_all(other)
        cdef _SetAlgebra new = items._own_keys(self, False)
        cdef list gone = [k for k in items if self._has(k)]
        cdef Py_ssize_t i = 0
        self._add_all(new)
        try:
            while i < len(gone):
                self._remove(gone[i])
                i += 1
        except BaseException:
            self._add_all(gone[:i])
            for key in new:
                self._remove(key)
            raise
        return 0

    # ------------------------------------------------------------------ comparisons

    def __eq__(self, other):
        """Equal to any Set holding the same keys. Cost: O(n).

        >>> MutableStringSet(["a"]) == {"a"}, MutableStringSet(["a"]) == ["a"]
        (True, False)
        """
        return self._compare(other, Py_EQ)

    def __ne__(self, other):
        """Not equal to a Set (see ``__eq__``). Cost: O(n).

        >>> MutableStringSet(["a"]) != {"b"}
        True
        """
        return self._compare(other, Py_NE)

    def __le__(self, other):
        """Subset of another Set. Cost: O(n).

        >>> MutableStringSet(["a"]) <= {"a", "b"}
        True
        """
        return self._compare(other, Py_LE)

    def __lt__(self, other):
        """Proper subset of another Set. Cost: O(n).

        >>> MutableStringSet(["a"]) < {"a"}
        False
        """
        return self._compare(other, Py_LT)

    def __ge__(self, other):
        """Superset of another Set. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) >= {"a"}
        True
        """
        return self._compare(other, Py_GE)

    def __gt__(self, other):
        """Proper superset of another Set. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) > {"a"}
        True
        """
        return self._compare(other, Py_GT)

    def issubset(self, other):
        """True when every key is in ``other`` (any iterable). Cost: O(n + len(other)).

        >>> MutableStringSet(["a"]).issubset(["a", "b"])
        True
        """
        if not isinstance(other, _abc.Set):
            other = set(other)
        return self._compare(other, Py_LE)

    def issuperset(self, other):
        """True when every item of ``other`` (any iterable) is a key. Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]).issuperset(["a"])
        True
        """
        return self._superset_of(other)

    def isdisjoint(self, other):
        """True when no item of ``other`` (any iterable) is a key. Cost: O(len(other)).

        >>> MutableStringSet(["a"]).isdisjoint(["b"])
        True
        """
        for key in other:
            if self._has(key):
                return False
        return True

    # ------------------------------------------------------------------ operators

    @classmethod
    def _from_iterable(cls, iterable):
        return cls(iterable)

    def __or__(self, other):
        """Union with a set (``union()`` takes any iterable). Cost: O(n + len(other)).

        >>> MutableStringSet(["a"]) | {"b"}
        MutableStringSet(['a', 'b'])
        """
        if not isinstance(other, _abc.Set):   # as set: operators take sets only
            return NotImplemented
        return self._union((other,))

    def __ror__(self, other):
        """``other | self``: the union, as a MutableStringSet.

        >>> {"b"} | MutableStringSet(["a"])
        MutableStringSet(['a', 'b'])
        """
        return self.__or__(other)

    def __and__(self, other):
        """Intersection with a set (``intersection()`` takes any iterable). Cost: O(len(other)).

        >>> MutableStringSet(["a", "b"]) & {"b", "c"}
        MutableStringSet(['b'])
        """
        if not isinstance(other, _abc.Set):   # as set: operators take sets only
            return NotImplemented
        return self._intersection(other)

    def __rand__(self, other):
        """``other & self``: the intersection, as a MutableStringSet.

        >>> {"a", "c"} & MutableStringSet(["a"])
        MutableStringSet(['a'])
        """
        return self.__and__(other)

    def __sub__(self, other):
        """Keys not in the set ``other``. Cost: O(n + len(other)).

        >>> MutableStringSet(["a", "b"]) - {"b"}
        MutableStringSet(['a'])
        """
        if not isinstance(other, _abc.Set):   # as set: operators take sets only
            return NotImplemented
        if not isinstance(other, _abc.Set):
            other = set(other)
        return self._own_keys(other, False)

    def __rsub__(self, other):
        """``other - self``: the items of other (str only) that are not keys.

        >>> {"a", "c"} - MutableStringSet(["a"])
        MutableStringSet(['c'])
        """
        if not isinstance(other, _abc.Set):   # as set: operators take sets only
            return NotImplemented
        return self._items_of(other, False)

    def __xor__(self, other):
        """Keys in exactly one of the two. Cost: O(n + len(other)).

        >>> MutableStringSet(["a", "b"]) ^ {"b", "c"}
        MutableStringSet(['a', 'c'])
        """
        if not isinstance(other, _abc.Set):   # as set: operators take sets only
            return NotImplemented
        return self._symmetric_difference(other)

    def __rxor__(self, other):
        """``other ^ self``: the symmetric difference, as a MutableStringSet.

        >>> {"a", "c"} ^ MutableStringSet(["a", "b"])
        MutableStringSet(['b', 'c'])
        """
        return self.__xor__(other)

    # ------------------------------------------------------------------ named methods

    def union(self, *others):
        """A new set with the keys of this one and of every iterable in ``others``.

        Cost: O(memory held + total length of others).

        >>> MutableStringSet(["a"]).union(["b"], ("c",))
        MutableStringSet(['a', 'b', 'c'])
        """
        return self._union(others)

    def intersection(self, *others):
        """A new set with the keys found in every iterable of ``others``.

        Cost: O(n + total length of others).

        >>> MutableStringSet(["a", "b"]).intersection(["b", "c"])
        MutableStringSet(['b'])
        """
        cdef _SetAlgebra result = self.copy()
        for other in others:
            result = result._intersection(other)
        return result

    def difference(self, *others):
        """A new set with the keys found in none of ``others``.

        Cost: O(memory held + total length of others).

        >>> MutableStringSet(["a", "b"]).difference(["b"])
        MutableStringSet(['a'])
        """
        cdef _SetAlgebra result = self.copy()
        result._discard_each(others)
        return result

    def symmetric_difference(self, other):
        """A new set with the keys in exactly one of this set and ``other`` (any iterable).

        Cost: O(memory held + len(other)).

        >>> MutableStringSet(["a", "b"]).symmetric_difference(["b", "c"])
        MutableStringSet(['a', 'c'])
        """
        return self._symmetric_difference(other)

    def difference_update(self, *others):
        """Remove every key found in any of ``others``. Cost: O(total length of others).

        All or nothing: an iterable that raises half way leaves the set as it was (the keys
        removed so far are added back).

        >>> s = MutableStringSet(["a", "b"]); s.difference_update(["a"]); list(s)
        ['b']
        """
        self._discard_each(others)

    def intersection_update(self, *others):
        """Keep only the keys found in every one of ``others``. Cost: O(n + their length).

        >>> s = MutableStringSet(["a", "b"]); s.intersection_update(["b", "c"]); list(s)
        ['b']
        """
        cdef _SetAlgebra result = self
        for other in others:   # built whole before the set changes: all or nothing
            if other is not self:
                result = result._intersection(other)
        if result is not self:
            self._swap(result)

    def symmetric_difference_update(self, other):
        """Keep the keys in exactly one of this set and ``other``. Cost: O(len(other)).

        All or nothing: a non-str item of ``other`` raises TypeError before any change.

        >>> s = MutableStringSet(["a", "b"]); s.symmetric_difference_update(["b", "c"]); list(s)
        ['a', 'c']
        """
        self._toggle(other)

    # ------------------------------------------------------------------ in-place operators

    def __ior__(self, other):
        """``self |= other``: add every key of a set (all or nothing). Cost: O(len(other)).

        >>> s = MutableStringSet(["a"]); s |= {"b"}; s
        MutableStringSet(['a', 'b'])
        """
        if not isinstance(other, _abc.Set):   # as set: |= takes a set only
            return NotImplemented
        self._add_all(other)
        return self

    def __iand__(self, other):
        """``self &= other``: keep the keys found in a set. Cost: O(n + len(other)).

        >>> s = MutableStringSet(["a", "b"]); s &= {"b"}; s
        MutableStringSet(['b'])
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        if other is not self:
            self._swap(self._intersection(other))
        return self

    def __isub__(self, other):
        """``self -= other``: remove the items of a set. Cost: O(len(other)).

        >>> s = MutableStringSet(["a", "b"]); s -= {"b"}; s
        MutableStringSet(['a'])
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        self._discard_each((other,))
        return self

    def __ixor__(self, other):
        """``self ^= other``: keep the keys in exactly one of the two. Cost: O(len(other)).

        >>> s = MutableStringSet(["a", "b"]); s ^= {"b", "c"}; s
        MutableStringSet(['a', 'c'])
        """
        if not isinstance(other, _abc.Set):
            return NotImplemented
        self._toggle(other)
        return self
