/* SPDX-License-Identifier: Apache-2.0
 * The sensor health checker: a thread that periodically raises a "sensor
 * silent" alert for each sensor not heard from for cfg.sensor_silent_after. */
#ifndef MM_CENTER_HEALTH_H
#define MM_CENTER_HEALTH_H

#include "center/center.h"

struct mm_health;

int mm_health_start(struct mm_center *c, struct mm_health **out);
/* Stops and joins the thread. Accepts NULL. */
void mm_health_stop(struct mm_health *h);
/* One check now (also used by tests); *raised gets the number of new alerts. */
int mm_health_check(struct mm_center *c, int64_t now, size_t *raised);

#endif
