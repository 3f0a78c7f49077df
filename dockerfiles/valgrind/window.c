/* The measured window of `pybench-docker run --measure instructions`.
 *
 * Python cannot issue Valgrind's client requests, so the harness calls these
 * through ctypes around the measured work (benchmarks/counts.py). The process
 * runs under `valgrind --tool=callgrind --collect-atstart=no`. */
#include <valgrind/callgrind.h>

/* Counters zeroed, collection on. */
void pybench_window_open(void)
{
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
}

/* Collection off; the window's counts written to a file of their own
 * (the next OUT.N of --callgrind-out-file=OUT) before this returns. */
void pybench_window_close(void)
{
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT("pybench window");
}

/* 1 under Valgrind, 0 natively: a window outside Valgrind counts nothing. */
int pybench_window_valgrind(void)
{
    return RUNNING_ON_VALGRIND ? 1 : 0;
}
