/* Moving a large, long-lived table onto transparent huge pages (Linux), for fewer TLB misses.
 *
 * A lookup in a hash table of tens of megabytes touches a random 4 KB page each time, and on
 * a virtual machine each TLB miss is a two-level page walk. MADV_COLLAPSE (Linux 6.1) asks the
 * kernel to back the whole huge pages inside a range with huge pages, now: it copies each
 * stretch onto a newly allocated huge page (compacting memory if it must) and frees the small
 * pages. The contents stay as they are, and so does the resident size when the range was
 * fully resident already (as a table CPython has just zero-filled is). The kernel may refuse
 * some or all of the stretches (no free huge page, say): the range is then left, wholly or in
 * part, on small pages, which changes nothing but speed.
 */
#ifndef LOWRAM_HUGEPAGES_H
#define LOWRAM_HUGEPAGES_H

#include <stddef.h>
#include <stdint.h>

#if defined(__linux__)
#include <sys/mman.h>
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#endif

/* Collapse the whole huge pages (of page bytes, a power of two) inside [p, p + n): how many
   there are, 0 when there are none, -1 when the kernel refused some or all of them (or the
   platform has no such call). */
static int lowram_collapse(const void *p, size_t n, size_t page) {
    uintptr_t a, b;
    if (page == 0 || (page & (page - 1))) return 0;
    a = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    b = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
    if (b <= a) return 0;
#if defined(__linux__)
    if (madvise((void *)a, (size_t)(b - a), MADV_COLLAPSE) == 0) return (int)((b - a) / page);
#endif
    return -1;
}

#endif /* LOWRAM_HUGEPAGES_H */
