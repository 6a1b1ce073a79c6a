/* SPDX-License-Identifier: Apache-2.0
 * Check "firewall" (diagnosis item 4): is a host firewall set to start at
 * boot and to drop what is not allowed? Recognised, in order: ufw
 * (/etc/ufw/ufw.conf ENABLED=yes), firewalld (its unit enabled), nftables
 * (unit enabled and /etc/nftables.conf with an input hook that drops or
 * rejects), iptables-persistent (netfilter-persistent enabled and
 * /etc/iptables/rules.v4 dropping or rejecting input). Debian's stock
 * nftables.conf accepts everything, so it alone does not pass. Only files are
 * read; the rules loaded at this moment are not queried. */
#include "audit/audit.h"
#include "core/error.h"
#include "core/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FW_FILE_MAX (1024 * 1024)

/* ufw.conf: ENABLED=yes. 1 enabled, 0 disabled, -1 absent. */
static int ufw_state(const struct mm_audit_ctx *ctx)
{
    char *text;
    size_t len;
    if (mm__audit_read(ctx, "/etc/ufw/ufw.conf", FW_FILE_MAX, &text, &len) != 0)
        return -1;
    int state = 0;
    const char *p = text;
    char line[512];
    while (mm__audit_next_line(&p, line, sizeof line)) {
        char *s = mm_str_trim(line);
        if (strncasecmp(s, "ENABLED=", 8) == 0)
            state = strcasecmp(s + 8, "yes") == 0 || strcasecmp(s + 8, "\"yes\"") == 0;
    }
    free(text);
    return state;
}

/* True when the file drops or rejects incoming traffic. */
static bool file_drops_input(const struct mm_audit_ctx *ctx, const char *path, bool nft)
{
    char *text;
    size_t len;
    if (mm__audit_read(ctx, path, FW_FILE_MAX, &text, &len) != 0)
        return false;
    bool drops;
    if (nft)
        drops = strstr(text, "hook input") &&
                (strstr(text, "policy drop") || strstr(text, " drop") || strstr(text, " reject"));
    else
        drops =
            strstr(text, ":INPUT DROP") ||
            (strstr(text, "-A INPUT") && (strstr(text, "-j DROP") || strstr(text, "-j REJECT")));
    free(text);
    return drops;
}

/* key: an evidence format taking unit and file (file unused by some). */
static int found(struct mm_audit_result *res, const char *key, const char *unit, const char *file)
{
    int r = mm__audit_evidence(res, key, unit, file);
    return r ? r : mm__audit_set(res, MM_AUDIT_PASS, "active");
}

/* Nothing passed: say what was seen, to help the reader. */
static int explain_none(struct mm_audit_result *res, int ufw, bool nft_unit, bool nft_drops,
                        bool ipt_unit, bool ipt_drops)
{
    int r = 0;
    if (ufw == 0)
        r = mm__audit_evidence(res, "evidence.fact", "/etc/ufw/ufw.conf: ENABLED=no");
    if (r == 0 && nft_unit)
        r = mm__audit_evidence(
            res, nft_drops ? "evidence.unit_enabled_drops" : "evidence.unit_enabled_accepts",
            "nftables.service", "/etc/nftables.conf");
    if (r == 0 && !nft_unit && nft_drops)
        r = mm__audit_evidence(res, "evidence.drops_unit_disabled", "/etc/nftables.conf",
                               "nftables.service");
    if (r == 0 && (ipt_unit || ipt_drops))
        r = ipt_unit ? mm__audit_evidence(res, "evidence.unit_enabled_accepts",
                                          "netfilter-persistent.service", "/etc/iptables/rules.v4")
                     : mm__audit_evidence(res, "evidence.drops_unit_disabled",
                                          "/etc/iptables/rules.v4", "netfilter-persistent.service");
    if (r == 0 && res->nevidence == 0)
        r = mm__audit_evidence(res, "evidence.no_firewall");
    return r ? r : mm__audit_set(res, MM_AUDIT_FAIL, "none");
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    int ufw = ufw_state(ctx);
    if (ufw == 1)
        return found(res, "evidence.fact", "/etc/ufw/ufw.conf: ENABLED=yes", NULL);
    if (mm__audit_unit_enabled(ctx, "firewalld.service"))
        return found(res, "evidence.unit_enabled", "firewalld.service", NULL);
    bool nft_unit = mm__audit_unit_enabled(ctx, "nftables.service");
    bool nft_drops = file_drops_input(ctx, "/etc/nftables.conf", true);
    if (nft_unit && nft_drops)
        return found(res, "evidence.unit_enabled_drops", "nftables.service", "/etc/nftables.conf");
    bool ipt_unit = mm__audit_unit_enabled(ctx, "netfilter-persistent.service");
    bool ipt_drops = file_drops_input(ctx, "/etc/iptables/rules.v4", false);
    if (ipt_unit && ipt_drops)
        return found(res, "evidence.unit_enabled_drops", "netfilter-persistent.service",
                     "/etc/iptables/rules.v4");
    return explain_none(res, ufw, nft_unit, nft_drops, ipt_unit, ipt_drops);
}

const struct mm_check mm_check_firewall = {
    .id = "firewall",
    .items = {4},
    .run = run,
};
