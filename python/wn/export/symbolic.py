# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Dynamic sizes: affine expressions of the inputs' dynamic dims.

With `export(..., dynamic_dims=...)` the model is traced twice, at the
example's sizes and at other sizes of the dynamic dims (see exporter.py).
A size that depends on a dynamic dim is a `Sym`: an affine expression of
symbols s0, s1, .. (the dynamic input dims, in order) with its value at
each trace. The exporter computes every size from its operands' sizes with
ordinary Python arithmetic, so that

    out = (length + 2 * p - d * (k - 1) - 1) // s + 1

gives a Sym when `length` is one, and an int otherwise. Each result's sizes
are then checked against both traces. Sym arithmetic stays affine: a Sym
times a Sym is an ExportError, as is any use of a Sym where an int is
needed (int(), range(), an index). Comparisons are answered when every
trace agrees (`if high < 0:` in a lowering) and refused otherwise, so a
lowering cannot silently take a path that is wrong at other sizes.
"""

from .weightnorm import ExportError


class Sym:
    """An affine size: sum of coefficient * atom, plus a constant. Atoms are
    symbols ("s0") or floordiv/mod terms of other expressions, spelled in
    MLIR's affine syntax; `values` holds the size at each trace."""

    __slots__ = ("terms", "const", "values")

    def __init__(self, terms: dict, const: int, values: tuple):
        self.terms = {a: c for a, c in terms.items() if c}
        self.const = const
        self.values = tuple(values)

    @staticmethod
    def symbol(index: int, values) -> "Sym":
        return Sym({f"s{index}": 1}, 0, values)

    # -- construction ------------------------------------------------------

    @staticmethod
    def _lift(x, traces: int) -> "Sym":
        if isinstance(x, Sym):
            return x
        if isinstance(x, bool) or not isinstance(x, int):
            raise ExportError(f"a size that depends on a dynamic dim is "
                              f"combined with {x!r}")
        return Sym({}, x, (x,) * traces)

    @staticmethod
    def _make(terms, const, values):
        """A Sym, or an int when no atom is left."""
        terms = {a: c for a, c in terms.items() if c}
        return Sym(terms, const, values) if terms else const

    def _combine(self, other, sign: int):
        other = Sym._lift(other, len(self.values))
        terms = dict(self.terms)
        for atom, c in other.terms.items():
            terms[atom] = terms.get(atom, 0) + sign * c
        values = tuple(a + sign * b for a, b in zip(self.values,
                                                    other.values))
        return Sym._make(terms, self.const + sign * other.const, values)

    def __add__(self, other):
        return self._combine(other, 1)

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine(other, -1)

    def __rsub__(self, other):
        return (-self)._combine(other, 1)

    def __neg__(self):
        return Sym._make({a: -c for a, c in self.terms.items()}, -self.const,
                         tuple(-v for v in self.values))

    def __pos__(self):
        return self

    def __mul__(self, other):
        if isinstance(other, Sym):
            raise ExportError("two sizes that depend on dynamic dims are "
                              "multiplied (not affine): mark fewer dims "
                              "dynamic")
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return Sym._make({a: c * other for a, c in self.terms.items()},
                         self.const * other,
                         tuple(v * other for v in self.values))

    __rmul__ = __mul__

    def _divide(self, other, kind: str):
        if isinstance(other, Sym) or isinstance(other, bool) or \
                not isinstance(other, int) or other <= 0:
            raise ExportError(f"a size that depends on a dynamic dim is "
                              f"divided by {other!r} (only positive "
                              f"constants are affine)")
        if kind == "floordiv":
            values = tuple(v // other for v in self.values)
        else:
            values = tuple(v % other for v in self.values)
        if all(c % other == 0 for c in self.terms.values()):
            # (a*x + b) floordiv c = (a/c)*x + b floordiv c when c | a, and
            # (a*x + b) mod c = b mod c: keeps ceil/floor pairs exact.
            if kind == "mod":
                return self.const % other
            return Sym._make({a: c // other for a, c in self.terms.items()},
                             self.const // other, values)
        return Sym({f"({self.affine()}) {kind} {other}": 1}, 0, values)

    def __floordiv__(self, other):
        return self._divide(other, "floordiv")

    def __mod__(self, other):
        return self._divide(other, "mod")

    def __rfloordiv__(self, other):
        raise ExportError("a constant is divided by a size that depends on a "
                          "dynamic dim (not affine)")

    __rmod__ = __rfloordiv__

    # -- comparisons: answered when every trace agrees ---------------------

    def _compare(self, other, op, name):
        if isinstance(other, Sym):
            pairs = zip(self.values, other.values)
        elif isinstance(other, int):
            pairs = ((v, other) for v in self.values)
        else:
            return NotImplemented
        answers = {op(a, b) for a, b in pairs}
        if len(answers) != 1:
            raise ExportError(f"the export would depend on whether a "
                              f"dynamic size {name} another, which differs "
                              f"between the traced sizes "
                              f"{list(self.values)}")
        return answers.pop()

    def __eq__(self, other):
        if isinstance(other, Sym) and self.same(other):
            return True
        return self._compare(other, lambda a, b: a == b, "equals")

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b, "is less than")

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b, "is at most")

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b, "is more than")

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b, "is at least")

    def __bool__(self):
        return self._compare(0, lambda a, b: a != b, "is non-zero like")

    __hash__ = None

    def same(self, other) -> bool:
        """Structurally the same expression."""
        return isinstance(other, Sym) and self.terms == other.terms and \
            self.const == other.const

    # -- where an int is needed --------------------------------------------

    def __index__(self):
        raise ExportError("a size that depends on a dynamic dim is used "
                          "where the export needs a constant")

    __int__ = __index__

    def __format__(self, spec):
        raise AssertionError(f"dynamic size {self!r} formatted as a "
                             f"constant")

    __str__ = lambda self: self.__format__("")  # noqa: E731

    def __repr__(self):
        return f"Sym({self.affine()}, values={list(self.values)})"

    def affine(self) -> str:
        """The expression in MLIR's affine syntax over s0, s1, .."""
        parts = []
        for atom, c in sorted(self.terms.items()):
            term = atom if abs(c) == 1 else f"{atom} * {abs(c)}"
            parts.append(("- " if c < 0 else "+ ") + term)
        if self.const:
            parts.append(("- " if self.const < 0 else "+ ") +
                         str(abs(self.const)))
        text = " ".join(parts)
        return text[2:] if text.startswith("+ ") else "0 " + text \
            if text.startswith("- ") else text


def is_dynamic(n) -> bool:
    return isinstance(n, Sym)


def values_at(n, trace: int) -> int:
    """The size `n` (int or Sym) at trace number `trace`."""
    return n.values[trace] if isinstance(n, Sym) else n
