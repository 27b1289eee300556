/*
 * The wall clock the stores stamp rows with. Tests that fake time in the
 * caller (MLflow's store suites mock time.time) can pin it process-wide
 * through the FFI; the server never does.
 */
#ifndef MLF_CORE_CLOCK_H
#define MLF_CORE_CLOCK_H

#include <stdint.h>

/** Milliseconds since the epoch: the pinned value when one is set, else CLOCK_REALTIME. */
int64_t mlf_clock_now_ms(void);

/** Pins the clock at ms (process-wide); a negative ms unpins it. Thread-safe. */
void mlf_clock_pin_ms(int64_t ms);

#endif
