# Loops over a typed list's items, one per pair of item types where two are involved (a
# fused type each): conversion between widths, extremes, bounds, reversal. Included by
# _typed.pyx; every loop runs in C on memory the caller holds (no GIL released).

ctypedef fused elem_t:
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double


cdef inline const char* _format(int code) noexcept nogil:
    if code == I8:
        return "b"
    if code == I16:
        return "h"
    if code == I32:
        return "i"
    if code == I64:
        return "q"
    if code == F32:
        return "f"
    return "d"


cdef inline int _int_code(long long x) noexcept nogil:
    if -128 <= x <= 127:
        return I8
    if -32768 <= x <= 32767:
        return I16
    if -2147483648 <= x <= 2147483647:
        return I32
    return I64


cdef inline long long _get_i(const char* d, int code, Py_ssize_t i) noexcept nogil:
    if code == I8:
        return (<const int8_t*>d)[i]
    if code == I16:
        return (<const int16_t*>d)[i]
    if code == I32:
        return (<const int32_t*>d)[i]
    return (<const int64_t*>d)[i]


cdef inline void _put_i(char* d, int code, Py_ssize_t i, long long x) noexcept nogil:
    if code == I8:
        (<int8_t*>d)[i] = <int8_t>x
    elif code == I16:
        (<int16_t*>d)[i] = <int16_t>x
    elif code == I32:
        (<int32_t*>d)[i] = <int32_t>x
    else:
        (<int64_t*>d)[i] = <int64_t>x


cdef inline double _get_f(const char* d, int code, Py_ssize_t i) noexcept nogil:
    if code == F32:
        return (<const float*>d)[i]
    return (<const double*>d)[i]


cdef inline void _put_f(char* d, int code, Py_ssize_t i, double x) noexcept nogil:
    if code == F32:
        (<float*>d)[i] = <float>x
    else:
        (<double*>d)[i] = x


# the same six item types as elem_t, named apart: a cast's two sides vary independently
ctypedef fused dst_t:
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double


cdef void _cast(const elem_t* src, dst_t* dst, Py_ssize_t n) noexcept nogil:
    # one loop per pair of types, so the compiler vectorises it (a type switch per item
    # does not); callers pass values the destination holds (checked, or widening)
    cdef Py_ssize_t k
    for k in range(n):
        dst[k] = <dst_t>src[k]


cdef void _cast_from(const elem_t* src, char* dst, int dcode, Py_ssize_t n) noexcept nogil:
    if dcode == I8:
        _cast(src, <int8_t*>dst, n)
    elif dcode == I16:
        _cast(src, <int16_t*>dst, n)
    elif dcode == I32:
        _cast(src, <int32_t*>dst, n)
    elif dcode == I64:
        _cast(src, <int64_t*>dst, n)
    elif dcode == F32:
        _cast(src, <float*>dst, n)
    else:
        _cast(src, <double*>dst, n)


cdef void _convert(const char* src, int scode, char* dst, int dcode, Py_ssize_t n) noexcept nogil:
    """Copy ``n`` items from ``src`` (type ``scode``) to ``dst`` (type ``dcode``): ints into
    ints, floats into floats, or ints into floats (rounded as C's cast rounds; floats into
    ints are never asked for: IntList refuses floats)."""
    if scode == dcode:
        memmove(dst, src, n * _SIZES[scode])
    elif scode == I8:
        _cast_from(<const int8_t*>src, dst, dcode, n)
    elif scode == I16:
        _cast_from(<const int16_t*>src, dst, dcode, n)
    elif scode == I32:
        _cast_from(<const int32_t*>src, dst, dcode, n)
    elif scode == I64:
        _cast_from(<const int64_t*>src, dst, dcode, n)
    elif scode == F32:
        _cast_from(<const float*>src, dst, dcode, n)
    else:
        _cast_from(<const double*>src, dst, dcode, n)


cdef void _extremes(const elem_t* p, Py_ssize_t n, elem_t* lo, elem_t* hi,
                    bint* nan) noexcept nogil:
    """Least and greatest of ``p[:n]`` (``n > 0``), and whether a float item is NaN."""
    cdef elem_t a = p[0], b = p[0], v
    cdef bint seen = False
    cdef Py_ssize_t k
    for k in range(n):
        v = p[k]
        if v < a:
            a = v
        if v > b:
            b = v
        if elem_t is float or elem_t is double:
            if v != v:
                seen = True
    lo[0] = a
    hi[0] = b
    nan[0] = seen


cdef void _int_bounds(const char* d, int code, Py_ssize_t n, long long* lo,
                      long long* hi) noexcept nogil:
    """Least and greatest of ``n > 0`` int items of type ``code``; in C, GIL held."""
    cdef int8_t a8, b8
    cdef int16_t a16, b16
    cdef int32_t a32, b32
    cdef int64_t a64, b64
    cdef bint nan
    if code == I8:
        _extremes(<const int8_t*>d, n, &a8, &b8, &nan)
        lo[0], hi[0] = a8, b8
    elif code == I16:
        _extremes(<const int16_t*>d, n, &a16, &b16, &nan)
        lo[0], hi[0] = a16, b16
    elif code == I32:
        _extremes(<const int32_t*>d, n, &a32, &b32, &nan)
        lo[0], hi[0] = a32, b32
    else:
        _extremes(<const int64_t*>d, n, &a64, &b64, &nan)
        lo[0], hi[0] = a64, b64


cdef void _float_bounds(const char* d, int code, Py_ssize_t n, double* lo,
                        double* hi) noexcept nogil:
    """Least and greatest of ``n > 0`` float items (both NaN if one is, as numpy's)."""
    cdef float a4, b4
    cdef double a8, b8
    cdef bint nan
    if code == F32:
        _extremes(<const float*>d, n, &a4, &b4, &nan)
        a8, b8 = a4, b4
    else:
        _extremes(<const double*>d, n, &a8, &b8, &nan)
    if nan:
        a8 = b8 = NAN
    lo[0], hi[0] = a8, b8


cdef Py_ssize_t _scan(elem_t* p, Py_ssize_t a, Py_ssize_t b, long long xi, double xf,
                      bint as_float, bint count) noexcept nogil:
    """First index in [a, b) equal to the key (or the number of equal items if ``count``)."""
    cdef Py_ssize_t k, n = 0
    for k in range(a, b):
        if (<double>p[k] == xf) if as_float else (<long long>p[k] == xi):
            if not count:
                return k
            n += 1
    return n if count else -1


cdef void _reverse(elem_t* p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i = 0, j = n - 1
    cdef elem_t t
    while i < j:
        t = p[i]
        p[i] = p[j]
        p[j] = t
        i += 1
        j -= 1
