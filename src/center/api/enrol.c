/* SPDX-License-Identifier: Apache-2.0
 * Owns POST /api/v1/enrol: a sensor trades a one-time enrolment code for
 * its own key (returned once, stored hashed). */
#include "center/api/api.h"

#include <string.h>

#include "core/error.h"
#include "core/str.h"

int mm_api_enrol(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"code", JSON_STRING, true, 64},
        {"name", JSON_STRING, true, 100},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    json_t *body;
    uint8_t code_hash[MM_HASH_BYTES], key_hash[MM_HASH_BYTES];
    char key[MM_SECRET_MAX];
    struct mm_sensor s;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *name = mm_api_str(body, "name");
    if (!*name) {
        json_decref(body);
        return mm_reply_error(req, 400, "bad_field", "name");
    }
    if (!mm_name_plain(name)) { /* shown in the web UI, the reports and mails */
        json_decref(body);
        return mm_reply_error(req, 400, "bad_characters", "name");
    }
    if (mm_enrol_code_hash(mm_api_str(body, "code"), code_hash) != 0) {
        json_decref(body);
        return mm_reply_error(req, 404, "not_found", "code");
    }
    r = mm_secret_new("mms_", key);
    if (r == 0) {
        mm_secret_hash(key, key_hash);
        r = st->ops->enrol_redeem(st, req->address, code_hash, name, key_hash, req->now, &s);
    }
    json_decref(body);
    if (r == MM_ENOENT)
        return mm_reply_error(req, 404, "not_found", "code");
    if (r == MM_ESTATE)
        return mm_reply_error(req, 410, "code_expired", NULL);
    if (r != 0)
        return r;
    return mm_reply_json(req, 201,
                         json_pack("{s:I, s:I, s:s}", "sensor_id", (json_int_t)s.id, "tenant_id",
                                   (json_int_t)s.tenant_id, "key", key));
}
