/* An allocation hook for the tests (tests/core/test_refusals_change_nothing.py).
 *
 * Loaded with LD_PRELOAD, it interposes malloc, calloc and realloc, which every allocation in
 * the process reaches: the interpreter's, lowram's compiled code and the C++ libraries it
 * calls (operator new allocates with malloc). Once armed with k, exactly one of them fails:
 * the k-th counted from the arming (0 is the first). glibc only: it forwards to glibc's own
 * __libc_malloc and friends. Not thread-safe, and armed only around one call. */
#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long countdown = -1;  /* allocations to let through before the one that fails; -1: off */
static long seen = 0;        /* allocations since arming */
static int fired = 0;        /* the armed failure happened */

void failmalloc_arm(long k) { seen = 0; fired = 0; countdown = k; }
long failmalloc_disarm(void) { countdown = -1; return seen; }
int failmalloc_fired(void) { return fired; }

static int fail_now(void) {
    if (countdown < 0) return 0;
    seen++;
    if (countdown-- == 0) { fired = 1; errno = ENOMEM; return 1; }
    return 0;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b) { return fail_now() ? NULL : __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }
