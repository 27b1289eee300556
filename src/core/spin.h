/*
 * A busy-wait step for short bounded spins before a thread sleeps on a
 * condition: tells the CPU this is a spin loop (x86 PAUSE, ARM YIELD) so the
 * sibling hyper-thread runs meanwhile; no system call, unlike sched_yield.
 */
#ifndef MLF_CORE_SPIN_H
#define MLF_CORE_SPIN_H

static inline void mlf_spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

#endif
