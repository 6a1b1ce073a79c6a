/* SPDX-License-Identifier: Apache-2.0
 * MAC address vendors from the IEEE MA-L (OUI) registry, compiled in at
 * build time (src/sensor/oui.cmake). */
#ifndef MM_SENSOR_OUI_H
#define MM_SENSOR_OUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The registered organisation for the MAC's first three bytes, or NULL when
 * unassigned or when the address is locally administered (randomised). */
const char *mm_oui_vendor(const uint8_t mac[6]);

/* True for locally administered addresses (phones' private Wi-Fi addresses). */
bool mm_mac_is_local(const uint8_t mac[6]);

/* Number of entries in the compiled table (0 when ieee-data was missing). */
size_t mm_oui_count(void);

#endif
