/* SPDX-License-Identifier: Apache-2.0
 * A small-block allocator for jansson, for programs that make many
 * short-lived JSON values (the sensor). See json-pool.c. */
#ifndef MM_CORE_JSON_POOL_H
#define MM_CORE_JSON_POOL_H

/* Makes jansson allocate through the pool. Call first thing in main(),
 * before any JSON value exists (a value made before would be freed wrongly). */
void mm_json_pool_install(void);

/* Frees memory jansson handed out (json_dumps text) with jansson's own free
 * function: required once the pool is installed, harmless otherwise. */
void mm_json_free(void *ptr);

#endif
