/* Moving a large, long-lived table onto transparent huge pages (Linux), for fewer TLB misses.
 *
 * A lookup in a hash table of tens of megabytes touches a random 4 KB page each time, and on
 * a virtual machine each TLB miss is a two-level page walk. MADV_COLLAPSE (Linux 6.1) asks the
 * kernel to back the 2 MB-aligned stretches inside a range with huge pages, now and in place:
 * the contents and the resident size stay as they are (the range must already be resident,
 * as a table that has been written through is). It is a hint: where the kernel, the platform
 * or its settings refuse, nothing changes.
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

#define LOWRAM_HUGE_PAGE ((uintptr_t)2 << 20)

/* Collapse the whole 2 MB pages inside [p, p + n) into huge pages: how many there are, 0 when
   there are none, -1 when the kernel refused (or the platform has no such call). */
static int lowram_collapse(const void *p, size_t n) {
    uintptr_t a = ((uintptr_t)p + LOWRAM_HUGE_PAGE - 1) & ~(LOWRAM_HUGE_PAGE - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(LOWRAM_HUGE_PAGE - 1);
    if (b <= a) return 0;
#if defined(__linux__)
    if (madvise((void *)a, (size_t)(b - a), MADV_COLLAPSE) == 0)
        return (int)((b - a) / LOWRAM_HUGE_PAGE);
#endif
    return -1;
}

#endif /* LOWRAM_HUGEPAGES_H */
