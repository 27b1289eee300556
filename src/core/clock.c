#include "core/clock.h"

#include <stdatomic.h>
#include <time.h>

/* -1: not pinned. Relaxed is enough: the value is one word, read per row. */
static _Atomic int64_t mlf__pinned_ms = -1;

int64_t mlf_clock_now_ms(void)
{
    int64_t pinned = atomic_load_explicit(&mlf__pinned_ms, memory_order_relaxed);
    if (pinned >= 0)
        return pinned;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mlf_clock_pin_ms(int64_t ms)
{
    atomic_store_explicit(&mlf__pinned_ms, ms < 0 ? -1 : ms, memory_order_relaxed);
}
