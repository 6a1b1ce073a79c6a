/* SPDX-License-Identifier: Apache-2.0
 * The EVE writer's portable string scan (eight bytes in a 64-bit word, the
 * path of machines without SSE2) under all of test-output's tests: the
 * writer is compiled into this program with MM_EVE_PORTABLE, so its
 * mm_eve_out_* functions stand in for the library's (SSE2) ones. */
#define MM_EVE_PORTABLE 1
#include "sensor/output/output-eve.c"

#include "test-output.c"
