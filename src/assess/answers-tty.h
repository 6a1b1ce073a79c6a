/* SPDX-License-Identifier: Apache-2.0
 * Terminal input for the interactive questionnaires: raw (non-canonical, no
 * echo) mode that is undone on every exit path, including SIGINT, SIGTERM
 * and SIGHUP, and key reading (digits, letters, arrow keys, Enter, EOF).
 * Ctrl-Z suspends as usual: the terminal is restored before the stop and
 * raw mode re-applied on SIGCONT, after which a read reports MM_KEY_REDRAW. */
#ifndef MM_ASSESS_ANSWERS_TTY_H
#define MM_ASSESS_ANSWERS_TTY_H

enum mm_tty_key {
    MM_KEY_CHAR = 0, /* a printable character in ch */
    MM_KEY_UP,
    MM_KEY_DOWN,
    MM_KEY_LEFT,
    MM_KEY_RIGHT,
    MM_KEY_ENTER,
    MM_KEY_EOF, /* end of input, or a read error */
    MM_KEY_OTHER,
    MM_KEY_REDRAW, /* stopped (Ctrl-Z) and continued: draw the screen again */
};

struct mm_tty_event {
    enum mm_tty_key key;
    int ch;
};

/* Puts the terminal on fd into raw mode and arranges for it to be restored
 * at exit and on SIGINT/SIGTERM/SIGHUP (the signal is then re-raised);
 * handles SIGTSTP/SIGCONT as described above.
 * Returns 0, or MM_EIO when fd is not a terminal. One terminal at a time. */
int mm_tty_raw_begin(int fd);

/* Restores the saved terminal settings and signal handlers; safe to call
 * more than once and without a prior begin. */
void mm_tty_raw_end(void);

/* Blocks until a key arrives on fd. Escape sequences for the arrow keys are
 * decoded; a lone Escape is MM_KEY_OTHER. */
void mm_tty_read_key(int fd, struct mm_tty_event *ev);

#endif
