/* SPDX-License-Identifier: Apache-2.0
 * The uplink's message for a libcurl that cannot take [uplink] ca_file from
 * memory (output/uplink.c, set_ca and ca_unsupported): libcurl built with
 * GnuTLS or NSS answers CURLOPT_CAINFO_BLOB with CURLE_NOT_BUILT_IN, one
 * older than 7.77 with CURLE_UNKNOWN_OPTION. Our libcurl is OpenSSL's,
 * which takes the option, so curl_easy_setopt is wrapped here
 * (-Wl,--wrap=curl_easy_setopt): while `answer` is set, CURLOPT_CAINFO_BLOB
 * gets it, and every other option goes to libcurl. Both the enrolment
 * (the message in err, en and ja) and the uplink thread's start (the
 * message on stderr) must name the option, this libcurl's version and its
 * TLS library, and send nothing. The centre's address is a port of
 * 127.0.0.1 this test holds bound without listening, so a connection is
 * refused and can meet no other program's listener (port 9 could). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/i18n.h"
#include "core/msg.h"
#include "sensor/output/spool.h"
#include "sensor/output/uplink.h"
#include "../test-tmpdir.h"

static CURLcode answer; /* CURLE_OK: CURLOPT_CAINFO_BLOB goes to libcurl too */
static int blob_calls;

CURLcode __real_curl_easy_setopt(CURL *c, CURLoption opt, ...);
CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption opt, ...);
CURLcode __wrap_curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
    va_list ap;
    CURLcode r;
    va_start(ap, opt);
    if (opt == CURLOPT_CAINFO_BLOB)
        blob_calls++;
    if (opt == CURLOPT_CAINFO_BLOB && answer != CURLE_OK)
        r = answer;
    else if (opt < CURLOPTTYPE_OBJECTPOINT)
        r = __real_curl_easy_setopt(c, opt, va_arg(ap, long));
    else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
        r = __real_curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
    else /* object, function and blob pointers */
        r = __real_curl_easy_setopt(c, opt, va_arg(ap, void *));
    va_end(ap);
    return r;
}

static const char PEM[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static char dir[TEST_TMPDIR_MAX];
static int held = -1;   /* bound to center's port, never listening */
static char center[64]; /* http://127.0.0.1:PORT */

static int setup(void **state)
{
    (void)state;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    held = socket(AF_INET, SOCK_STREAM, 0);
    if (held < 0 || bind(held, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(held, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    snprintf(center, sizeof center, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    return test_tmpdir_make(dir, sizeof dir, "uplink-ca-blob");
}

static int teardown(void **state)
{
    (void)state;
    test_tmpdir_remove(dir);
    if (held >= 0)
        close(held);
    return 0;
}

/* The message names the option and the libcurl in use. */
static void assert_names_libcurl(const char *text)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    char this_curl[256];
    snprintf(this_curl, sizeof this_curl, "libcurl (%s, TLS %s)", v->version,
             v->ssl_version ? v->ssl_version : "-");
    assert_non_null(strstr(text, "[uplink] ca_file cannot be used"));
    assert_non_null(strstr(text, "CURLOPT_CAINFO_BLOB"));
    assert_non_null(strstr(text, this_curl));
    assert_non_null(strstr(text, "libcurl4-openssl-dev"));
}

static void test_enrol(void **state)
{
    (void)state;
    static const CURLcode answers[] = {CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION};
    struct mm_uplink_state st;
    char err[1024], conf[TEST_TMPDIR_MAX + 32];
    struct stat sb;
    assert_int_equal(test_tmpdir_join(conf, sizeof conf, dir, MM_UPLINK_STATE_FILE), 0);
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        answer = answers[i];
        blob_calls = 0;
        mm_msg_set_lang(MM_LANG_EN);
        /* (nothing listens at center; nothing may be sent anyway) */
        assert_int_equal(mm_uplink_enrol(center, "CODE", "s", dir, PEM, sizeof PEM - 1, false, &st,
                                         err, sizeof err),
                         MM_EUNSUPPORTED);
        assert_int_equal(blob_calls, 1);
        assert_names_libcurl(err);
        assert_null(strstr(err, "cannot reach"));
        assert_int_equal(stat(conf, &sb), -1);
        mm_msg_set_lang(MM_LANG_JA);
        assert_int_equal(mm_uplink_enrol(center, "CODE", "s", dir, PEM, sizeof PEM - 1, false, &st,
                                         err, sizeof err),
                         MM_EUNSUPPORTED);
        assert_non_null(strstr(err, "[uplink] ca_file を使えません"));
        assert_non_null(strstr(err, "CURLOPT_CAINFO_BLOB"));
    }
    mm_msg_set_lang(MM_LANG_EN);
    /* the wrapper hands the option on otherwise: the enrolment goes on to
     * the (absent) centre */
    answer = CURLE_OK;
    blob_calls = 0;
    assert_int_equal(
        mm_uplink_enrol(center, "CODE", "s", dir, PEM, sizeof PEM - 1, false, &st, err, sizeof err),
        MM_ENET);
    assert_int_equal(blob_calls, 1);
    assert_null(strstr(err, "CURLOPT_CAINFO_BLOB"));
}

/* mm_uplink_start(cfg) with its stderr in out (outlen bytes); a started
 * uplink is stopped at once. */
static int start_uplink(const struct mm_uplink_config *cfg, char *out, size_t outlen)
{
    char path[TEST_TMPDIR_MAX + 32];
    struct mm_uplink *u = (struct mm_uplink *)1;
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "stderr"), 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600), saved = dup(2);
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    assert_int_equal(dup2(fd, 2), 2);
    int r = mm_uplink_start(cfg, &u);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    ssize_t n = pread(fd, out, outlen - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    if (r == 0)
        assert_true(mm_uplink_stop(u, 5000)); /* nothing to send: at once */
    else
        assert_null(u);
    return r;
}

static void test_start(void **state)
{
    (void)state;
    char spool[TEST_TMPDIR_MAX + 16], text[2048];
    struct mm_spool *s = NULL;
    assert_int_equal(test_tmpdir_join(spool, sizeof spool, dir, "spool"), 0);
    assert_int_equal(mm_spool_open(spool, &s), 0);
    struct mm_uplink_config cfg = {.center = center,
                                   .key = "mms_k",
                                   .spool_dir = spool,
                                   .ca_pem = PEM,
                                   .ca_pem_len = sizeof PEM - 1,
                                   .batch_max = 10,
                                   .retry_max_ms = 50,
                                   .quiet = true};
    mm_msg_set_lang(MM_LANG_EN);
    answer = CURLE_NOT_BUILT_IN;
    blob_calls = 0;
    assert_int_equal(start_uplink(&cfg, text, sizeof text), MM_EUNSUPPORTED);
    assert_int_equal(blob_calls, 1);
    assert_non_null(strstr(text, "mamori-sensor: uplink: [uplink] ca_file cannot be used"));
    assert_names_libcurl(text);
    /* libcurl's own answer: the thread starts, nothing said */
    answer = CURLE_OK;
    assert_int_equal(start_uplink(&cfg, text, sizeof text), 0);
    assert_string_equal(text, "");
    mm_spool_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrol),
        cmocka_unit_test(test_start),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int r = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return r;
}
