/* SPDX-License-Identifier: Apache-2.0
 * Owns `mamori-center admin ...`: the vendor's first admin, tenants, users
 * (a password set, an account disabled or re-enabled, through the same store
 * operations and rules as the API), API tokens and sensor enrolment codes
 * from the command line, working on the data directory directly (the server
 * may be running: SQLite WAL lets both write). Every change is audited as
 * "cli:<unix user>". Standard output carries only the result (an id, a token,
 * a code, the counts of a reset) so scripts can use it; messages for people
 * go to standard error in ja or en. A missing required option (or argument)
 * is the usage, exit 2; an unknown user, company, token or sensor, or an
 * operation that fails, a message and exit 1. */
#include "center/admin.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/api/api.h"
#include "center/auth.h"
#include "center/center.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/i18n.h"
#include "core/ini.h"
#include "core/msg.h"
#include "core/timefmt.h"

#define EXIT_USAGE 2
#define EXIT_FAIL  1

struct admin {
    struct mm_center center;
    struct mm_store *st;
    struct mm_scope scope; /* the CLI acts with vendor scope */
    struct mm_actor actor;
    char actor_name[80];
    enum mm_lang lang;
    int64_t now;
};

/* Finds "--name value" in argv[from..argc); NULL when absent. */
static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static bool flag(int argc, char **argv, const char *name)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return false;
}

static int fail(const struct admin *a, const char *key, const char *detail)
{
    const char *text = mm_tr("center", key, a->lang);
    fprintf(stderr, "mamori-center admin: %s%s%s\n", text, detail ? ": " : "",
            detail ? detail : "");
    return EXIT_FAIL;
}

static int usage(const struct admin *a)
{
    fprintf(stderr, "%s\n", mm_tr("center", "admin.usage", a->lang));
    return EXIT_USAGE;
}

/* Reads one line (the password) from standard input, without its newline. */
static int read_password(char *out, size_t outlen)
{
    if (!fgets(out, (int)outlen, stdin))
        return MM_EIO;
    out[strcspn(out, "\r\n")] = '\0';
    return mm_password_long_enough(out) ? 0 : MM_EINVAL;
}

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || v < 0)
        return MM_EINVAL;
    *out = v;
    return 0;
}

static int add_user(struct admin *a, int argc, char **argv, enum mm_role role, int64_t tenant)
{
    struct mm_user u = {.role = role, .tenant_id = tenant, .created_at = a->now};
    const char *email = opt(argc, argv, "--email"), *lang = opt(argc, argv, "--lang");
    if (!email || mm_api_email_normalise(email, u.email, sizeof u.email) != 0)
        return fail(a, "admin.bad_email", email);
    struct mm_tenant t;
    /* Without --lang a user reads the language of its company (else Japanese). */
    if (!lang && a->st->ops->tenant_get(a->st, &a->scope, tenant, &t) == 0)
        lang = t.lang;
    snprintf(u.lang, sizeof u.lang, "%s", lang ? lang : "ja");
    if (strcmp(u.lang, "ja") != 0 && strcmp(u.lang, "en") != 0)
        return fail(a, "admin.bad_lang", lang);
    if (flag(argc, argv, "--password-stdin")) {
        char pw[1100];
        if (read_password(pw, sizeof pw) != 0)
            return fail(a, "admin.bad_password", NULL);
        int r = mm_password_hash(pw, a->center.cfg.pwcost, u.password_hash);
        memset(pw, 0, sizeof pw);
        if (r != 0)
            return fail(a, "admin.failed", mm_msg_strerror(r));
    }
    int r = a->st->ops->user_add(a->st, &a->scope, &a->actor, &u, &u.id);
    if (r == MM_EEXIST)
        return fail(a, "admin.email_taken", u.email);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_tenant", NULL);
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    printf("%lld\n", (long long)u.id);
    return 0;
}

static int cmd_create_admin(struct admin *a, int argc, char **argv)
{
    if (!opt(argc, argv, "--email") || !flag(argc, argv, "--password-stdin"))
        return usage(a);
    return add_user(a, argc, argv, MM_ROLE_ADMIN, MM_VENDOR_TENANT);
}

static int cmd_tenant_add(struct admin *a, int argc, char **argv)
{
    struct mm_tenant t = {.mail_severity = 2, .created_at = a->now};
    const char *name = opt(argc, argv, "--name"), *lang = opt(argc, argv, "--lang");
    const char *sev = opt(argc, argv, "--mail-severity");
    if (!name || !*name || strlen(name) > 200)
        return usage(a);
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.lang, sizeof t.lang, "%s", lang ? lang : "ja");
    if (strcmp(t.lang, "ja") != 0 && strcmp(t.lang, "en") != 0)
        return fail(a, "admin.bad_lang", lang);
    if (sev) {
        int64_t v;
        if (parse_id(sev, &v) != 0 || v < 1 || v > 4)
            return fail(a, "admin.bad_severity", sev);
        t.mail_severity = (int)v;
    }
    int r = a->st->ops->tenant_add(a->st, &a->actor, &t, &t.id);
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    printf("%lld\n", (long long)t.id);
    return 0;
}

static int print_tenant(const struct mm_tenant *t, void *arg)
{
    (void)arg;
    printf("%lld\t%s\t%s\t%d\n", (long long)t->id, t->lang, t->name, t->mail_severity);
    return 0;
}

static int print_user(const struct mm_user *u, void *arg)
{
    (void)arg;
    /* the fifth column: active, or disabled and/or must_change_password */
    const char *state = u->disabled_at && u->must_change ? "disabled,must_change_password"
                        : u->disabled_at                 ? "disabled"
                        : u->must_change                 ? "must_change_password"
                                                         : "active";
    printf("%lld\t%lld\t%s\t%s\t%s\n", (long long)u->id, (long long)u->tenant_id,
           mm_role_name(u->role), u->email, state);
    return 0;
}

static int cmd_list(struct admin *a, bool users, int64_t tenant)
{
    struct mm_page page = {.limit = 1000000};
    int r = users ? a->st->ops->user_list(a->st, &a->scope, tenant, &page, print_user, NULL)
                  : a->st->ops->tenant_list(a->st, &a->scope, &page, print_tenant, NULL);
    return r == 0 ? 0 : fail(a, "admin.failed", mm_msg_strerror(r));
}

static int cmd_user_add(struct admin *a, int argc, char **argv)
{
    enum mm_role role;
    int64_t tenant = MM_VENDOR_TENANT;
    if (!opt(argc, argv, "--role") || !opt(argc, argv, "--email"))
        return usage(a);
    if (mm_role_parse(opt(argc, argv, "--role"), &role) != 0)
        return fail(a, "admin.bad_role", opt(argc, argv, "--role"));
    if (!mm_role_is_vendor(role) && !opt(argc, argv, "--tenant"))
        return usage(a); /* an owner or staff member belongs to a company */
    if (!mm_role_is_vendor(role) && parse_id(opt(argc, argv, "--tenant"), &tenant) != 0)
        return fail(a, "admin.no_tenant", NULL);
    if (mm_role_is_vendor(role) && opt(argc, argv, "--tenant"))
        return fail(a, "admin.vendor_tenant", NULL);
    return add_user(a, argc, argv, role, tenant);
}

/* --user takes an id or an e-mail address. */
static int find_user(struct admin *a, const char *s, struct mm_user *u)
{
    int64_t id;
    char email[256];
    if (s && parse_id(s, &id) == 0)
        return a->st->ops->user_get(a->st, &a->scope, id, u);
    if (s && mm_api_email_normalise(s, email, sizeof email) == 0)
        return a->st->ops->user_find_email(a->st, email, u);
    return MM_ENOENT;
}

/* user password --user ID-OR-EMAIL --password-stdin [--keep]: the
 * operator sets a person's password (a forgotten one, the only admin's
 * included, or an account that may be in someone else's hands). The same
 * reset as a manager's through the API (user_password_change without a
 * current hash): every session of the person ends, every API token of theirs
 * is revoked, and they must choose their own at the next sign-in unless
 * --keep. Prints "sessions_ended=N tokens_revoked=M". */
static int cmd_user_password(struct admin *a, int argc, char **argv)
{
    struct mm_user u;
    struct mm_password_outcome done;
    char pw[1100];
    bool keep = flag(argc, argv, "--keep");
    const char *who = opt(argc, argv, "--user");
    if (!who || !flag(argc, argv, "--password-stdin"))
        return usage(a);
    if (find_user(a, who, &u) != 0)
        return fail(a, "admin.no_user", who);
    if (read_password(pw, sizeof pw) != 0) {
        memset(pw, 0, sizeof pw);
        return fail(a, "admin.bad_password", NULL);
    }
    int r = mm_api_password_reset(a->st, &a->scope, &a->actor, u.id, pw, a->center.cfg.pwcost,
                                  !keep, a->now, &done);
    memset(pw, 0, sizeof pw);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_user", who);
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    printf("sessions_ended=%d tokens_revoked=%d\n", done.sessions_ended, done.tokens_revoked);
    fprintf(stderr, "%s\n",
            mm_tr("center", keep ? "admin.password_kept" : "admin.password_must_change", a->lang));
    if (u.disabled_at) /* set, but the account stays disabled: say so */
        fprintf(stderr, "%s\n", mm_tr("center", "admin.password_disabled", a->lang));
    return 0;
}

/* user disable|enable --user ID-OR-EMAIL: the store's rules, as PATCH
 * /api/v1/users/{user}: disabling ends the person's sessions at once and
 * never takes the vendor's last active admin; either is a no-op when the
 * account is already so. */
static int cmd_user_disable(struct admin *a, int argc, char **argv, bool disabled)
{
    struct mm_user u;
    const char *who = opt(argc, argv, "--user");
    if (!who)
        return usage(a);
    if (find_user(a, who, &u) != 0)
        return fail(a, "admin.no_user", who);
    int r = a->st->ops->user_set_disabled(a->st, &a->scope, &a->actor, u.id, disabled, a->now);
    if (r == MM_ESTATE)
        return fail(a, "admin.last_admin", NULL);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_user", who);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

static int cmd_token_create(struct admin *a, int argc, char **argv)
{
    struct mm_user u;
    char token[MM_SECRET_MAX];
    uint8_t hash[MM_HASH_BYTES];
    const char *who = opt(argc, argv, "--user");
    if (!who)
        return usage(a);
    if (find_user(a, who, &u) != 0)
        return fail(a, "admin.no_user", who);
    int r = mm_secret_new("mmt_", token);
    if (r == 0) {
        mm_secret_hash(token, hash);
        r = a->st->ops->token_add(a->st, &a->actor, u.id, hash, a->now, NULL);
    }
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    printf("%s\n", token);
    return 0;
}

/* token revoke ID-OR-TOKEN: the token's id (from the audit log) or its text. */
static int cmd_token_revoke(struct admin *a, int argc, char **argv)
{
    int64_t id = 0;
    uint8_t hash[MM_HASH_BYTES];
    const char *s = argc > 0 ? argv[0] : NULL;
    if (!s)
        return usage(a);
    if (strncmp(s, "mmt_", 4) == 0 && strlen(s) < MM_SECRET_MAX)
        mm_secret_hash(s, hash);
    else if (parse_id(s, &id) != 0)
        return usage(a);
    int r = a->st->ops->token_revoke(a->st, &a->actor, id, id ? NULL : hash, a->now);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_token", s);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

/* sensor revoke ID: the sensor's key stops working at once. */
static int cmd_sensor_revoke(struct admin *a, int argc, char **argv)
{
    int64_t id;
    if (argc < 1 || parse_id(argv[0], &id) != 0)
        return usage(a);
    int r = a->st->ops->sensor_revoke(a->st, &a->actor, id, a->now);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_sensor", argv[0]);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

static int cmd_enrol(struct admin *a, int argc, char **argv)
{
    int64_t tenant, ttl = 24 * 3600;
    char code[MM_ENROL_CODE_MAX];
    uint8_t hash[MM_HASH_BYTES];
    if (!opt(argc, argv, "--tenant"))
        return usage(a);
    if (parse_id(opt(argc, argv, "--tenant"), &tenant) != 0 || tenant == 0)
        return fail(a, "admin.no_tenant", NULL);
    if (opt(argc, argv, "--ttl") &&
        (parse_id(opt(argc, argv, "--ttl"), &ttl) != 0 || ttl < 1 || ttl > 30 * 86400))
        return fail(a, "admin.bad_ttl", opt(argc, argv, "--ttl"));
    int r = mm_enrol_code_new(code);
    if (r == 0)
        r = mm_enrol_code_hash(code, hash);
    if (r == 0)
        r = a->st->ops->enrol_code_add(a->st, &a->actor, tenant, hash, a->now,
                                       a->now + ttl * 1000000);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_tenant", NULL);
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    json_t *exp = mm_json_time(a->now + ttl * 1000000);
    printf("%s\n", code);
    fprintf(stderr, "%s: %s\n", mm_tr("center", "admin.code_expires", a->lang),
            json_string_value(exp));
    json_decref(exp);
    return 0;
}

/* The options that take a value. One of them last, its value missing, is
 * the usage: opt() would take an optional one as not given (user list
 * --tenant listed every user, enrol --tenant 1 --ttl gave the default). */
static const char *const value_options[] = {"--email",         "--lang",   "--name",
                                            "--mail-severity", "--tenant", "--role",
                                            "--user",          "--ttl",    NULL};

static int dispatch(struct admin *a, int argc, char **argv)
{
    const char *w1 = argc > 0 ? argv[0] : "", *w2 = argc > 1 ? argv[1] : "";
    for (int i = 0; argc > 0 && value_options[i]; i++)
        if (strcmp(argv[argc - 1], value_options[i]) == 0)
            return usage(a);
    if (strcmp(w1, "create-admin") == 0)
        return cmd_create_admin(a, argc - 1, argv + 1);
    if (strcmp(w1, "tenant") == 0 && strcmp(w2, "add") == 0)
        return cmd_tenant_add(a, argc - 2, argv + 2);
    if (strcmp(w1, "tenant") == 0 && strcmp(w2, "list") == 0)
        return cmd_list(a, false, -1);
    if (strcmp(w1, "user") == 0 && strcmp(w2, "add") == 0)
        return cmd_user_add(a, argc - 2, argv + 2);
    if (strcmp(w1, "user") == 0 && strcmp(w2, "list") == 0) {
        int64_t t = -1;
        if (opt(argc, argv, "--tenant") && parse_id(opt(argc, argv, "--tenant"), &t) != 0)
            return usage(a);
        return cmd_list(a, true, t);
    }
    if (strcmp(w1, "user") == 0 && strcmp(w2, "password") == 0)
        return cmd_user_password(a, argc - 2, argv + 2);
    if (strcmp(w1, "user") == 0 && (strcmp(w2, "disable") == 0 || strcmp(w2, "enable") == 0))
        return cmd_user_disable(a, argc - 2, argv + 2, strcmp(w2, "disable") == 0);
    if (strcmp(w1, "token") == 0 && strcmp(w2, "create") == 0)
        return cmd_token_create(a, argc - 2, argv + 2);
    if (strcmp(w1, "token") == 0 && strcmp(w2, "revoke") == 0)
        return cmd_token_revoke(a, argc - 2, argv + 2);
    if (strcmp(w1, "sensor") == 0 && strcmp(w2, "revoke") == 0)
        return cmd_sensor_revoke(a, argc - 2, argv + 2);
    if (strcmp(w1, "enrol") == 0)
        return cmd_enrol(a, argc - 1, argv + 1);
    return usage(a);
}

int mm_center_admin(const struct mm_center_config *cfg, struct mm_zone *zone, int argc, char **argv)
{
    struct admin a = {.lang = MM_LANG_EN};
    char err[512];
    mm_lang_select(NULL, &a.lang);
    if (!cfg->data_dir) {
        fprintf(stderr, "mamori-center admin: %s\n", mm_tr("center", "main.need_data", a.lang));
        mm_zone_free(zone);
        return EXIT_USAGE;
    }
    struct mm_center_config c = *cfg;
    c.threads = 1;
    /* The server running on the same file owns the alert rows that wait
     * (alert_flush.owner): counting them again here would write them
     * behind its back (and have it recount). A dead server's are counted
     * at the next server start. */
    c.alert_rows_off = true;
    if (mm_mkdir_p(cfg->data_dir, 0700) != 0) {
        fprintf(stderr, "mamori-center admin: %s: %s\n", mm_tr("center", "main.bad_data", a.lang),
                cfg->data_dir);
        mm_zone_free(zone);
        return EXIT_FAIL;
    }
    if (mm_center_open(&a.center, &c, zone, err, sizeof err) != 0) {
        fprintf(stderr, "mamori-center admin: %s\n", err);
        return EXIT_FAIL;
    }
    struct passwd *pw = getpwuid(geteuid());
    snprintf(a.actor_name, sizeof a.actor_name, "cli:%s", pw ? pw->pw_name : "unknown");
    a.st = a.center.store;
    a.scope = mm_scope_for(MM_ROLE_ADMIN, MM_VENDOR_TENANT);
    a.actor = (struct mm_actor){.name = a.actor_name, .tenant_id = 0, .address = "cli"};
    a.now = mm_time_now_usec();
    int rc = dispatch(&a, argc, argv);
    mm_center_close(&a.center);
    return rc;
}
