/* SPDX-License-Identifier: Apache-2.0
 * Owns raw terminal mode for the interactive questionnaires and its
 * restoration on every exit path (normal return, exit(), fatal signals),
 * and job control: on Ctrl-Z (SIGTSTP) the terminal is given back in its
 * normal (cooked, echoing) state before the process stops; on SIGCONT raw
 * mode is applied again and the next key read reports MM_KEY_REDRAW so the
 * caller draws its screen anew. */
#include "assess/answers-tty.h"
#include "core/error.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_termios, raw_termios;
static volatile sig_atomic_t raw_active; /* the terminal is in raw mode now */
static volatile sig_atomic_t raw_wanted; /* between begin and end */
static volatile sig_atomic_t redraw_due; /* continued after a stop */
static int raw_fd = -1;
static bool atexit_done;
static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction saved_actions[sizeof caught_signals / sizeof caught_signals[0]];
static const int job_signals[] = {SIGTSTP, SIGCONT}; /* on_stop, on_continue */
static struct sigaction saved_job_actions[sizeof job_signals / sizeof job_signals[0]];

/* Async-signal-safe: tcsetattr and write are both on the POSIX list. */
static void restore_now(void)
{
    if (raw_active) {
        tcsetattr(raw_fd, TCSAFLUSH, &saved_termios);
        raw_active = 0;
    }
}

static void on_signal(int sig)
{
    restore_now();
    (void)!write(STDERR_FILENO, "\n", 1);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Async-signal-safe: puts raw mode back if the questionnaire still runs. */
static void reapply_raw(void)
{
    if (raw_wanted && !raw_active && tcsetattr(raw_fd, TCSAFLUSH, &raw_termios) == 0)
        raw_active = 1;
    redraw_due = 1;
}

static void on_continue(int sig)
{
    (void)sig;
    int saved_errno = errno;
    reapply_raw();
    errno = saved_errno;
}

/* Ctrl-Z: cooked terminal, then the default stop; raw again once continued
 * (also when the stop was discarded, as for an orphaned process group). */
static void on_stop(int sig)
{
    int saved_errno = errno;
    struct sigaction dfl, mine;
    sigset_t set;
    restore_now();
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, &mine);
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig); /* stops here until SIGCONT */
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigaction(sig, &mine, NULL);
    reapply_raw();
    errno = saved_errno;
}

static void install(const int *sigs, size_t n, void (*handler)(int), struct sigaction *saved)
{
    for (size_t i = 0; i < n; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = handler;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, &saved[i]);
    }
}

int mm_tty_raw_begin(int fd)
{
    struct termios raw;
    if (!isatty(fd) || tcgetattr(fd, &saved_termios) != 0)
        return MM_EIO;
    raw = saved_termios;
    /* ISIG stays on: Ctrl-C and Ctrl-Z keep their usual meaning. */
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw_fd = fd;
    if (!atexit_done) {
        atexit(mm_tty_raw_end);
        atexit_done = true;
    }
    raw_termios = raw;
    install(caught_signals, sizeof caught_signals / sizeof caught_signals[0], on_signal,
            saved_actions);
    install(&job_signals[0], 1, on_stop, &saved_job_actions[0]);
    install(&job_signals[1], 1, on_continue, &saved_job_actions[1]);
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
        mm_tty_raw_end();
        return MM_EIO;
    }
    raw_active = 1;
    raw_wanted = 1;
    redraw_due = 0;
    return 0;
}

void mm_tty_raw_end(void)
{
    if (raw_fd < 0)
        return;
    raw_wanted = 0;
    restore_now();
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaction(caught_signals[i], &saved_actions[i], NULL);
    for (size_t i = 0; i < sizeof job_signals / sizeof job_signals[0]; i++)
        sigaction(job_signals[i], &saved_job_actions[i], NULL);
    raw_fd = -1;
}

enum { BYTE_EOF = -1, BYTE_REDRAW = -2 };

/* Reads one byte; BYTE_EOF on EOF/error, BYTE_REDRAW when the process was
 * stopped and continued meanwhile. With wait_ms >= 0, gives up after it. */
static int read_byte(int fd, int wait_ms)
{
    unsigned char c;
    if (wait_ms >= 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) <= 0)
            return BYTE_EOF;
    }
    for (;;) {
        if (redraw_due && wait_ms < 0) {
            redraw_due = 0;
            return BYTE_REDRAW;
        }
        ssize_t n = read(fd, &c, 1);
        if (n == 1)
            return c;
        if (n < 0 && errno == EINTR)
            continue;
        return BYTE_EOF;
    }
}

void mm_tty_read_key(int fd, struct mm_tty_event *ev)
{
    ev->ch = 0;
    int c = read_byte(fd, -1);
    if (c == BYTE_REDRAW) {
        ev->key = MM_KEY_REDRAW;
        return;
    }
    if (c < 0 || c == 4) { /* EOF or Ctrl-D */
        ev->key = MM_KEY_EOF;
        return;
    }
    if (c == '\r' || c == '\n') {
        ev->key = MM_KEY_ENTER;
        return;
    }
    if (c == 0xEF) {
        /* A full-width character (U+FF01..U+FF5E: EF BC 81 .. EF BD 9E), as
         * a Japanese input method types "１" or "ｑ": the ASCII key. */
        int c1 = read_byte(fd, 50), c2 = c1 == 0xBC || c1 == 0xBD ? read_byte(fd, 50) : -1;
        int cp = c2 >= 0x80 && c2 <= 0xBF ? 0xFF00 + (c1 == 0xBD ? 0x40 : 0) + (c2 - 0x80) : 0;
        ev->key = cp >= 0xFF01 && cp <= 0xFF5E ? MM_KEY_CHAR : MM_KEY_OTHER;
        ev->ch = ev->key == MM_KEY_CHAR ? cp - 0xFF01 + 0x21 : 0;
        return;
    }
    if (c != 27) {
        ev->key = c >= 0x20 && c < 0x7f ? MM_KEY_CHAR : MM_KEY_OTHER;
        ev->ch = c;
        return;
    }
    /* ESC [ A..D or ESC O A..D; the rest of a sequence follows at once. */
    int c1 = read_byte(fd, 50), c2 = c1 == '[' || c1 == 'O' ? read_byte(fd, 50) : -1;
    switch (c2) {
    case 'A':
        ev->key = MM_KEY_UP;
        break;
    case 'B':
        ev->key = MM_KEY_DOWN;
        break;
    case 'C':
        ev->key = MM_KEY_RIGHT;
        break;
    case 'D':
        ev->key = MM_KEY_LEFT;
        break;
    default:
        ev->key = MM_KEY_OTHER;
        break;
    }
}
