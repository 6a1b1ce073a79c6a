/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the application decoder mm_app_nbns
 * (src/sensor/decode/); the shared body is in fuzz-app.h. Seeds:
 * tests/fuzz/corpus/nbns/ (tests/sensor/gen/appgen.py). */
#include "fuzz-app.h"

extern const struct mm_app_decoder mm_app_nbns;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_app_run(&mm_app_nbns, 137, data, size);
}
