/* SPDX-License-Identifier: Apache-2.0
 * Owns the backend-independent parts of the storage interface. */
#include "center/store.h"

#include <stddef.h>

void mm_store_close(struct mm_store *st)
{
    if (st)
        st->ops->close(st);
}

void mm_store_set_busy_timeout(struct mm_store *st, int ms)
{
    st->ops->set_busy_timeout(st, ms);
}
