/* SPDX-License-Identifier: Apache-2.0
 * Owns raw terminal mode for the interactive questionnaires and its
 * restoration on every exit path (normal return, exit(), fatal signals). */
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

static struct termios saved_termios;
static volatile sig_atomic_t raw_active;
static int raw_fd = -1;
static bool atexit_done;
static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction saved_actions[sizeof caught_signals / sizeof caught_signals[0]];

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

int mm_tty_raw_begin(int fd)
{
    struct termios raw;
    if (!isatty(fd) || tcgetattr(fd, &saved_termios) != 0)
        return MM_EIO;
    raw = saved_termios;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | IEXTEN);
    raw.c_iflag &= ~(tcflag_t)(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw_fd = fd;
    if (!atexit_done) {
        atexit(mm_tty_raw_end);
        atexit_done = true;
    }
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(caught_signals[i], &sa, &saved_actions[i]);
    }
    if (tcsetattr(fd, TCSAFLUSH, &raw) != 0) {
        mm_tty_raw_end();
        return MM_EIO;
    }
    raw_active = 1;
    return 0;
}

void mm_tty_raw_end(void)
{
    if (raw_fd < 0)
        return;
    restore_now();
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaction(caught_signals[i], &saved_actions[i], NULL);
    raw_fd = -1;
}

/* Reads one byte; -1 on EOF/error. With wait_ms >= 0, gives up after it. */
static int read_byte(int fd, int wait_ms)
{
    unsigned char c;
    if (wait_ms >= 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, wait_ms) <= 0)
            return -1;
    }
    for (;;) {
        ssize_t n = read(fd, &c, 1);
        if (n == 1)
            return c;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

void mm_tty_read_key(int fd, struct mm_tty_event *ev)
{
    ev->ch = 0;
    int c = read_byte(fd, -1);
    if (c < 0 || c == 4) { /* EOF or Ctrl-D */
        ev->key = MM_KEY_EOF;
        return;
    }
    if (c == '\r' || c == '\n') {
        ev->key = MM_KEY_ENTER;
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
