/* SPDX-License-Identifier: Apache-2.0
 * Owns `mamori-center admin ...`: the vendor's first admin, tenants, users
 * (a password set, an account disabled or re-enabled, through the same store
 * operations and rules as the API), API tokens and sensor enrolment codes
 * from the command line, working on the data directory directly (the server
 * may be running: SQLite WAL lets both write). Every change is audited as
 * "cli:<unix user>". Standard output carries only the result (an id, a token,
 * a code, the counts of a reset) so scripts can use it; messages for people
 * go to standard error in ja or en.
 *
 * The whole command line is read and checked (read_command) before the data
 * directory is opened, so a command that cannot run creates nothing. What
 * the usage does not allow (an unknown subcommand or option, a required
 * option or argument missing, an option without its value, one given twice)
 * is a line naming it and the usage, exit 2; a value of the wrong form is
 * one line naming the option, exit 2. An unknown user, company, token or
 * sensor, a password that will not do, or an operation that fails, is a
 * message and exit 1.
 *
 * backup --output FILE copies the database through the store (its backup
 * slot) into a temporary file beside FILE (mode 0600), which is linked to
 * FILE only once complete and checked, never over an existing file. */
#include "center/admin.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "center/api/api.h"
#include "center/auth.h"
#include "center/center.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/i18n.h"
#include "core/ini.h"
#include "core/msg.h"
#include "core/str.h"
#include "core/timefmt.h"

#define EXIT_USAGE     2
#define EXIT_FAIL      1
#define NAME_MAX_BYTES 200 /* a tenant's name, as POST /api/v1/tenants takes it */
#define TTL_MAX        (30 * 86400)

/* The options of the admin subcommands (the usage's). */
enum opt {
    O_EMAIL,
    O_LANG,
    O_NAME,
    O_SEVERITY,
    O_TENANT,
    O_ROLE,
    O_USER,
    O_TTL,
    O_STDIN,
    O_KEEP,
    O_OUTPUT,
    O__N
};

static const struct mm_center_opt options[O__N] = {
    [O_EMAIL] = {"--email", true},
    [O_LANG] = {"--lang", true},
    [O_NAME] = {"--name", true},
    [O_SEVERITY] = {"--mail-severity", true},
    [O_TENANT] = {"--tenant", true},
    [O_ROLE] = {"--role", true},
    [O_USER] = {"--user", true},
    [O_TTL] = {"--ttl", true},
    [O_STDIN] = {"--password-stdin", false},
    [O_KEEP] = {"--keep", false},
    [O_OUTPUT] = {"--output", true},
};

#define OPT(o) (1u << (o))

/* One admin command line, read and checked before the database is opened. */
struct args {
    const char *value[O__N]; /* as given; NULL when not */
    bool given[O__N];
    const char *arg; /* the argument of token revoke and sensor revoke */
    /* the values, checked */
    int64_t tenant, ttl, id;
    int severity;
    enum mm_role role;
    char email[256];
    const char *lang;
    uint8_t token_hash[MM_HASH_BYTES]; /* token revoke by its text */
    char password[1100];               /* --password-stdin, read before the database opens */
};

struct admin {
    struct mm_center center;
    struct mm_store *st;
    struct mm_scope scope; /* the CLI acts with vendor scope */
    struct mm_actor actor;
    char actor_name[80];
    enum mm_lang lang;
    int64_t now;
    const char *data_dir; /* --data, known before the database is opened */
};

static int fail(const struct admin *a, const char *key, const char *detail)
{
    const char *text = mm_tr("center", key, a->lang);
    fprintf(stderr, "mamori-center admin: %s%s%s\n", text, detail ? ": " : "",
            detail ? detail : "");
    return EXIT_FAIL;
}

/* "mamori-center admin: WHAT: text[: value]": what is an option, an argument
 * or a subcommand, named as the command line has it. */
static void say(const struct admin *a, const char *what, const char *key, const char *value)
{
    fprintf(stderr, "mamori-center admin: %s: %s%s%s\n", what, mm_tr("center", key, a->lang),
            value ? ": " : "", value ? value : "");
}

static int usage(const struct admin *a)
{
    fprintf(stderr, "%s\n", mm_tr("center", "admin.usage", a->lang));
    return EXIT_USAGE;
}

/* What the usage does not allow: the line naming it, then the usage. */
static int usage_error(const struct admin *a, const char *what, const char *key)
{
    say(a, what, key, NULL);
    return usage(a);
}

/* A value of the wrong form: one line naming the option, exit 2. */
static int bad_value(const struct admin *a, const char *what, const char *key, const char *value)
{
    say(a, what, key, value);
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

/* A whole number, 0 or more, in digits only (mm_str_int64: not " 5" or "+5",
 * which strtoll read as 5); one out of range is of the wrong form (strtoll
 * made it LLONG_MAX, which was then "not found"). *out is left as it was
 * when s is none (check_user's -1: not an id). */
static int parse_id(const char *s, int64_t *out)
{
    int64_t v;
    int r = mm_str_int64(s, 0, INT64_MAX, &v);
    if (r == 0)
        *out = v;
    return r;
}

/* --lang: ja or en; NULL (not given) stays NULL. */
static int check_lang(const struct admin *a, struct args *x)
{
    x->lang = x->value[O_LANG];
    if (x->lang && strcmp(x->lang, "ja") != 0 && strcmp(x->lang, "en") != 0)
        return bad_value(a, "--lang", "admin.bad_lang", x->lang);
    return 0;
}

/* --user takes an id or an e-mail address. */
static int check_user(const struct admin *a, struct args *x)
{
    const char *s = x->value[O_USER];
    x->id = -1;
    if (parse_id(s, &x->id) != 0 && mm_api_email_normalise(s, x->email, sizeof x->email) != 0)
        return bad_value(a, "--user", "admin.bad_user", s);
    return 0;
}

/* --password-stdin: the password, read now (a short one is exit 1, as ever). */
static int check_password(const struct admin *a, struct args *x)
{
    if (x->given[O_STDIN] && read_password(x->password, sizeof x->password) != 0)
        return fail(a, "admin.bad_password", NULL);
    return 0;
}

/* create-admin and user add: --email, --lang, --password-stdin. */
static int check_new_user(const struct admin *a, struct args *x)
{
    const char *email = x->value[O_EMAIL];
    if (mm_api_email_normalise(email, x->email, sizeof x->email) != 0)
        return bad_value(a, "--email", "admin.bad_email", email);
    int r = check_lang(a, x);
    return r != 0 ? r : check_password(a, x);
}

static int check_create_admin(const struct admin *a, struct args *x)
{
    x->role = MM_ROLE_ADMIN;
    x->tenant = MM_VENDOR_TENANT;
    return check_new_user(a, x);
}

static int check_tenant_add(const struct admin *a, struct args *x)
{
    const char *name = x->value[O_NAME], *sev = x->value[O_SEVERITY];
    if (!*name || strlen(name) > NAME_MAX_BYTES)
        return bad_value(a, "--name", "admin.bad_name", NULL);
    if (!mm_name_plain(name))
        return bad_value(a, "--name", "admin.name_chars", NULL);
    x->severity = 2;
    if (sev) {
        int64_t v;
        if (parse_id(sev, &v) != 0 || v < 1 || v > 4)
            return bad_value(a, "--mail-severity", "admin.bad_severity", sev);
        x->severity = (int)v;
    }
    return check_lang(a, x);
}

static int check_user_add(const struct admin *a, struct args *x)
{
    const char *role = x->value[O_ROLE], *tenant = x->value[O_TENANT];
    if (mm_role_parse(role, &x->role) != 0)
        return bad_value(a, "--role", "admin.bad_role", role);
    x->tenant = MM_VENDOR_TENANT;
    if (mm_role_is_vendor(x->role) && tenant)
        return bad_value(a, "--tenant", "admin.vendor_tenant", NULL);
    if (!mm_role_is_vendor(x->role) && !tenant) /* an owner or staff member belongs to a company */
        return usage_error(a, "--tenant", "admin.tenant_needed");
    if (tenant && parse_id(tenant, &x->tenant) != 0)
        return bad_value(a, "--tenant", "admin.bad_tenant", tenant);
    return check_new_user(a, x);
}

static int check_user_list(const struct admin *a, struct args *x)
{
    const char *tenant = x->value[O_TENANT];
    x->tenant = -1; /* every tenant */
    if (tenant && parse_id(tenant, &x->tenant) != 0)
        return bad_value(a, "--tenant", "admin.bad_tenant", tenant);
    return 0;
}

static int check_user_password(const struct admin *a, struct args *x)
{
    int r = check_user(a, x);
    return r != 0 ? r : check_password(a, x);
}

/* token revoke ID-OR-TOKEN: the token's id (from the audit log) or its text. */
static int check_token_revoke(const struct admin *a, struct args *x)
{
    x->id = 0;
    if (strncmp(x->arg, "mmt_", 4) == 0 && strlen(x->arg) < MM_SECRET_MAX)
        mm_secret_hash(x->arg, x->token_hash);
    else if (parse_id(x->arg, &x->id) != 0 || x->id == 0)
        return bad_value(a, "token revoke", "admin.bad_token", x->arg);
    return 0;
}

static int check_sensor_revoke(const struct admin *a, struct args *x)
{
    if (parse_id(x->arg, &x->id) != 0)
        return bad_value(a, "sensor revoke", "admin.bad_sensor", x->arg);
    return 0;
}

static int check_enrol(const struct admin *a, struct args *x)
{
    const char *tenant = x->value[O_TENANT], *ttl = x->value[O_TTL];
    if (parse_id(tenant, &x->tenant) != 0)
        return bad_value(a, "--tenant", "admin.bad_tenant", tenant);
    if (x->tenant == MM_VENDOR_TENANT) /* the vendor is no company: exit 1, as an unknown one */
        return fail(a, "admin.no_tenant", NULL);
    x->ttl = 24 * 3600;
    if (ttl && (parse_id(ttl, &x->ttl) != 0 || x->ttl < 1 || x->ttl > TTL_MAX))
        return bad_value(a, "--ttl", "admin.bad_ttl", ttl);
    return 0;
}

static int run_new_user(struct admin *a, struct args *x)
{
    struct mm_user u = {.role = x->role, .tenant_id = x->tenant, .created_at = a->now};
    struct mm_tenant t;
    const char *lang = x->lang;
    snprintf(u.email, sizeof u.email, "%s", x->email);
    /* Without --lang a user reads the language of its company (else Japanese). */
    if (!lang && a->st->ops->tenant_get(a->st, &a->scope, x->tenant, &t) == 0)
        lang = t.lang;
    snprintf(u.lang, sizeof u.lang, "%s", lang ? lang : "ja");
    if (x->given[O_STDIN]) {
        int r = mm_password_hash(x->password, a->center.cfg.pwcost, u.password_hash);
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

static int run_tenant_add(struct admin *a, struct args *x)
{
    struct mm_tenant t = {.mail_severity = x->severity, .created_at = a->now};
    snprintf(t.name, sizeof t.name, "%s", x->value[O_NAME]);
    snprintf(t.lang, sizeof t.lang, "%s", x->lang ? x->lang : "ja");
    int r = a->st->ops->tenant_add(a->st, &a->actor, &t, &t.id);
    if (r == MM_EEXIST)
        return fail(a, "admin.name_taken", t.name);
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

static int run_tenant_list(struct admin *a, struct args *x)
{
    struct mm_page page = {.limit = 1000000};
    (void)x;
    int r = a->st->ops->tenant_list(a->st, &a->scope, &page, print_tenant, NULL);
    return r == 0 ? 0 : fail(a, "admin.failed", mm_msg_strerror(r));
}

static int run_user_list(struct admin *a, struct args *x)
{
    struct mm_page page = {.limit = 1000000};
    int r = a->st->ops->user_list(a->st, &a->scope, x->tenant, &page, print_user, NULL);
    return r == 0 ? 0 : fail(a, "admin.failed", mm_msg_strerror(r));
}

/* The user --user names (check_user: an id, else an e-mail address). */
static int find_user(struct admin *a, const struct args *x, struct mm_user *u)
{
    if (x->id >= 0)
        return a->st->ops->user_get(a->st, &a->scope, x->id, u);
    return a->st->ops->user_find_email(a->st, x->email, u);
}

/* user password --user ID-OR-EMAIL --password-stdin [--keep]: the
 * operator sets a person's password (a forgotten one, the only admin's
 * included, or an account that may be in someone else's hands). The same
 * reset as a manager's through the API (user_password_change without a
 * current hash): every session of the person ends, every API token of theirs
 * is revoked, and they must choose their own at the next sign-in unless
 * --keep. Prints "sessions_ended=N tokens_revoked=M". */
static int run_user_password(struct admin *a, struct args *x)
{
    struct mm_user u;
    struct mm_password_outcome done;
    const char *who = x->value[O_USER];
    bool keep = x->given[O_KEEP];
    if (find_user(a, x, &u) != 0)
        return fail(a, "admin.no_user", who);
    int r = mm_api_password_reset(a->st, &a->scope, &a->actor, u.id, x->password,
                                  a->center.cfg.pwcost, !keep, a->now, &done);
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
static int set_disabled(struct admin *a, const struct args *x, bool disabled)
{
    struct mm_user u;
    const char *who = x->value[O_USER];
    if (find_user(a, x, &u) != 0)
        return fail(a, "admin.no_user", who);
    int r = a->st->ops->user_set_disabled(a->st, &a->scope, &a->actor, u.id, disabled, a->now);
    if (r == MM_ESTATE)
        return fail(a, "admin.last_admin", NULL);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_user", who);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

static int run_user_disable(struct admin *a, struct args *x)
{
    return set_disabled(a, x, true);
}

static int run_user_enable(struct admin *a, struct args *x)
{
    return set_disabled(a, x, false);
}

static int run_token_create(struct admin *a, struct args *x)
{
    struct mm_user u;
    char token[MM_SECRET_MAX];
    uint8_t hash[MM_HASH_BYTES];
    if (find_user(a, x, &u) != 0)
        return fail(a, "admin.no_user", x->value[O_USER]);
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

static int run_token_revoke(struct admin *a, struct args *x)
{
    int r = a->st->ops->token_revoke(a->st, &a->actor, x->id, x->id ? NULL : x->token_hash, a->now);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_token", x->arg);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

/* sensor revoke ID: the sensor's key stops working at once. */
static int run_sensor_revoke(struct admin *a, struct args *x)
{
    int r = a->st->ops->sensor_revoke(a->st, &a->actor, x->id, a->now);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_sensor", x->arg);
    return r != 0 ? fail(a, "admin.failed", mm_msg_strerror(r)) : 0;
}

static int run_enrol(struct admin *a, struct args *x)
{
    char code[MM_ENROL_CODE_MAX];
    uint8_t hash[MM_HASH_BYTES];
    int r = mm_enrol_code_new(code);
    if (r == 0)
        r = mm_enrol_code_hash(code, hash);
    if (r == 0)
        r = a->st->ops->enrol_code_add(a->st, &a->actor, x->tenant, hash, a->now,
                                       a->now + x->ttl * 1000000);
    if (r == MM_ENOENT)
        return fail(a, "admin.no_tenant", NULL);
    if (r != 0)
        return fail(a, "admin.failed", mm_msg_strerror(r));
    json_t *exp = mm_json_time(a->now + x->ttl * 1000000);
    printf("%s\n", code);
    fprintf(stderr, "%s: %s\n", mm_tr("center", "admin.code_expires", a->lang),
            json_string_value(exp));
    json_decref(exp);
    return 0;
}

/* backup --output FILE: a file name (not empty, not a folder's "dir/"),
 * where nothing is yet: an existing file (or anything else) is never
 * overwritten, exit 1 before the data directory is opened. */
static int check_backup(const struct admin *a, struct args *x)
{
    const char *out = x->value[O_OUTPUT];
    struct stat sb;
    size_t n = strlen(out);
    if (n == 0 || out[n - 1] == '/' || n > PATH_MAX - 16)
        return bad_value(a, "--output", "admin.bad_output", out);
    if (lstat(out, &sb) == 0)
        return fail(a, "admin.backup_exists", out);
    /* A wrong --data would make an empty database and back that up: a
     * backup copies what is there (SQLite's file, store-sqlite.c). */
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/center.db", a->data_dir);
    if (stat(db, &sb) != 0)
        return fail(a, "admin.backup_no_db", db);
    return 0;
}

/* Removes a failed copy: the temporary file and the journal SQLite may
 * have left beside it. */
static void remove_partial(const char *tmp)
{
    char journal[PATH_MAX + 16];
    unlink(tmp);
    if (snprintf(journal, sizeof journal, "%s-journal", tmp) < (int)sizeof journal)
        unlink(journal);
}

/* A failed copy: the temporary file removed, the reason said, exit 1. */
static int backup_failed(const struct admin *a, const char *tmp, const char *why)
{
    remove_partial(tmp);
    return fail(a, "admin.backup_failed", why);
}

/* Puts the finished copy tmp at out: link() fails with EEXIST instead of
 * replacing a file that appeared meanwhile. */
static int backup_place(const struct admin *a, const char *tmp, const char *out)
{
    if (link(tmp, out) != 0) {
        int r = mm_error_from_errno(errno);
        remove_partial(tmp);
        return r == MM_EEXIST ? fail(a, "admin.backup_exists", out)
                              : fail(a, "admin.backup_failed", mm_msg_strerror(r));
    }
    unlink(tmp);
    mm_fsync_parent(out);
    return 0;
}

/* backup --output FILE: an online copy of the database (the store's backup
 * slot, safe while the server runs), written as FILE.partial-XXXXXX in
 * FILE's folder (mkstemp: mode 0600), then put at FILE. Prints FILE and its
 * size in bytes, tab-separated. */
static int run_backup(struct admin *a, struct args *x)
{
    const char *out = x->value[O_OUTPUT];
    char tmp[PATH_MAX + 16], err[1024];
    struct stat sb;
    snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", out);
    int fd = mkstemp(tmp);
    if (fd < 0) { /* nothing written: the folder is missing, not writable, full... */
        char why[PATH_MAX + 512];
        snprintf(why, sizeof why, "%s: %s", out, mm_msg_strerror(mm_error_from_errno(errno)));
        return fail(a, "admin.backup_no_file", why);
    }
    close(fd);
    int r = a->st->ops->backup(a->st, tmp, err, sizeof err);
    if (r != 0)
        return backup_failed(a, tmp, err[0] ? err : mm_msg_strerror(r));
    if (stat(tmp, &sb) != 0)
        return backup_failed(a, tmp, mm_msg_strerror(mm_error_from_errno(errno)));
    r = backup_place(a, tmp, out);
    if (r != 0)
        return r;
    printf("%s\t%lld\n", out, (long long)sb.st_size);
    fprintf(stderr, "%s\n", mm_tr("center", "admin.backup_done", a->lang));
    return 0;
}

/* The subcommands, as the usage (admin.usage) lists them: the options each
 * takes and those it needs, whether it needs one argument; check reads the
 * values (no database), run does the work. */
static const struct command {
    const char *words;
    unsigned takes, needs;
    bool arg;
    int (*check)(const struct admin *, struct args *);
    int (*run)(struct admin *, struct args *);
} commands[] = {
    {"create-admin", OPT(O_EMAIL) | OPT(O_STDIN) | OPT(O_LANG), OPT(O_EMAIL) | OPT(O_STDIN), false,
     check_create_admin, run_new_user},
    {"tenant add", OPT(O_NAME) | OPT(O_LANG) | OPT(O_SEVERITY), OPT(O_NAME), false,
     check_tenant_add, run_tenant_add},
    {"tenant list", 0, 0, false, NULL, run_tenant_list},
    {"user add", OPT(O_TENANT) | OPT(O_ROLE) | OPT(O_EMAIL) | OPT(O_STDIN) | OPT(O_LANG),
     OPT(O_ROLE) | OPT(O_EMAIL), false, check_user_add, run_new_user},
    {"user list", OPT(O_TENANT), 0, false, check_user_list, run_user_list},
    {"user password", OPT(O_USER) | OPT(O_STDIN) | OPT(O_KEEP), OPT(O_USER) | OPT(O_STDIN), false,
     check_user_password, run_user_password},
    {"user disable", OPT(O_USER), OPT(O_USER), false, check_user, run_user_disable},
    {"user enable", OPT(O_USER), OPT(O_USER), false, check_user, run_user_enable},
    {"token create", OPT(O_USER), OPT(O_USER), false, check_user, run_token_create},
    {"token revoke", 0, 0, true, check_token_revoke, run_token_revoke},
    {"sensor revoke", 0, 0, true, check_sensor_revoke, run_sensor_revoke},
    {"enrol", OPT(O_TENANT) | OPT(O_TTL), OPT(O_TENANT), false, check_enrol, run_enrol},
    {"backup", OPT(O_OUTPUT), OPT(O_OUTPUT), false, check_backup, run_backup},
};

/* How many of argv's first words are cmd's (1 or 2); 0 when they are not. */
static int match_words(const struct command *cmd, int argc, char **argv)
{
    const char *space = strchr(cmd->words, ' ');
    size_t n1 = space ? (size_t)(space - cmd->words) : strlen(cmd->words);
    if (argc < 1 || strlen(argv[0]) != n1 || strncmp(argv[0], cmd->words, n1) != 0)
        return 0;
    if (!space)
        return 1;
    return argc >= 2 && strcmp(argv[1], space + 1) == 0 ? 2 : 0;
}

bool mm_center_arg_is_value(int argc, char **argv, int i)
{
    return i < argc && strncmp(argv[i], "--", 2) != 0;
}

int mm_center_option(int argc, char **argv, int i, const struct mm_center_opt *opts, int n,
                     unsigned allowed, bool *given, int *which, const char **why)
{
    int k = 0;
    while (k < n && strcmp(argv[i], opts[k].name) != 0)
        k++;
    if (k == n || !(allowed & (1u << k)))
        return MM_ENOENT;
    *which = k;
    if (given[k]) {
        *why = "admin.twice";
        return MM_EINVAL;
    }
    given[k] = true;
    if (opts[k].value && !mm_center_arg_is_value(argc, argv, i + 1)) {
        *why = "admin.no_value";
        return MM_EINVAL;
    }
    return 0;
}

/* Where a command line breaks the usage: the word, as given, and the
 * message key (center.json) of what is wrong. */
struct misuse {
    const char *what, *key;
};

/* The one reader of every subcommand's options (mm_center_option): each is
 * one the subcommand takes, given once, with its value when it takes one
 * (an argument starting with "--" is the next option, not a value: `user
 * add --email --role staff` lacks its address); then what it needs is
 * there. Stops at the first misuse (*m), with x holding what was read
 * before it; prints nothing. */
static int parse_options(const struct command *cmd, int argc, char **argv, struct args *x,
                         struct misuse *m)
{
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i], *why = NULL;
        int o = 0;
        int r = mm_center_option(argc, argv, i, options, O__N, cmd->takes, x->given, &o, &why);
        if (r == MM_ENOENT && cmd->arg && !x->arg && mm_center_arg_is_value(argc, argv, i)) {
            x->arg = s;
            continue;
        }
        if (r != 0) {
            *m = (struct misuse){s, r == MM_ENOENT ? "admin.not_option" : why};
            return MM_EINVAL;
        }
        if (options[o].value)
            x->value[o] = argv[++i];
    }
    for (int o = 0; o < O__N; o++)
        if ((cmd->needs & OPT(o)) && !x->given[o]) {
            *m = (struct misuse){options[o].name, "admin.missing"};
            return MM_EINVAL;
        }
    if (cmd->arg && !x->arg) {
        *m = (struct misuse){cmd->words, "admin.missing_arg"};
        return MM_EINVAL;
    }
    return 0;
}

/* parse_options, a misuse said with the usage (exit 2). */
static int read_options(const struct admin *a, const struct command *cmd, int argc, char **argv,
                        struct args *x)
{
    struct misuse m;
    return parse_options(cmd, argc, argv, x, &m) == 0 ? 0 : usage_error(a, m.what, m.key);
}

/* The subcommand argv starts with, and in *words how many words name it;
 * NULL when none does. */
static const struct command *find_command(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        *words = match_words(&commands[i], argc, argv);
        if (*words > 0)
            return &commands[i];
    }
    return NULL;
}

/* Finds the subcommand of argv and reads and checks its whole command line
 * (the password on standard input included): 0 and *cmd, or the exit status. */
static int read_command(const struct admin *a, int argc, char **argv, const struct command **cmd,
                        struct args *x)
{
    int n = 0;
    *cmd = find_command(argc, argv, &n);
    if (!*cmd)
        return argc > 0 ? usage_error(a, argv[0], "admin.unknown") : usage(a);
    int r = read_options(a, *cmd, argc - n, argv + n, x);
    if (r == 0 && (*cmd)->check)
        r = (*cmd)->check(a, x);
    return r;
}

void mm_center_admin_lang(int argc, char **argv, enum mm_lang *lang)
{
    struct args x;
    struct misuse m;
    int n = 0;
    const struct command *cmd = find_command(argc, argv, &n);
    if (!cmd || !(cmd->takes & OPT(O_LANG)))
        return;
    memset(&x, 0, sizeof x);
    parse_options(cmd, argc - n, argv + n, &x, &m); /* what was read before a misuse counts */
    const char *v = x.value[O_LANG];
    if (v && (strcmp(v, "ja") == 0 || strcmp(v, "en") == 0))
        mm_lang_parse(v, lang);
}

int mm_center_admin(const struct mm_center_config *cfg, struct mm_zone *zone, int argc, char **argv)
{
    struct admin a = {.lang = MM_LANG_EN};
    struct args x;
    const struct command *cmd = NULL;
    char err[2048]; /* as long as a log line: a long path leaves room for the step */
    memset(&x, 0, sizeof x);
    a.lang = mm_msg_lang(); /* main: the environment's, or --lang's (mm_center_admin_lang) */
    a.data_dir = cfg->data_dir;
    if (!cfg->data_dir || !*cfg->data_dir) { /* "" names no directory */
        fprintf(stderr, "mamori-center admin: %s\n", mm_tr("center", "main.need_data", a.lang));
        mm_zone_free(zone);
        return EXIT_USAGE;
    }
    /* Only a command that can run opens (and may create) the data directory. */
    int rc = read_command(&a, argc, argv, &cmd, &x);
    if (rc != 0) {
        memset(x.password, 0, sizeof x.password);
        mm_zone_free(zone);
        return rc;
    }
    struct mm_center_config c = *cfg;
    c.threads = 1;
    /* The server running on the same file owns the alert rows that wait
     * (alert_flush.owner): counting them again here would write them
     * behind its back (and have it recount). A dead server's are counted
     * at the next server start. */
    c.alert_rows_off = true;
    if (mm_center_open(&a.center, &c, zone, err, sizeof err) != 0) {
        fprintf(stderr, "mamori-center admin: %s\n", err);
        memset(x.password, 0, sizeof x.password);
        return EXIT_FAIL;
    }
    struct passwd *pw = getpwuid(geteuid());
    snprintf(a.actor_name, sizeof a.actor_name, "cli:%s", pw ? pw->pw_name : "unknown");
    a.st = a.center.store;
    a.scope = mm_scope_for(MM_ROLE_ADMIN, MM_VENDOR_TENANT);
    a.actor = (struct mm_actor){.name = a.actor_name, .tenant_id = 0, .address = "cli"};
    a.now = mm_time_now_usec();
    rc = cmd->run(&a, &x);
    memset(x.password, 0, sizeof x.password);
    mm_center_close(&a.center);
    return rc;
}
