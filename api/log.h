/*
 * log.h -- scannd's log: one line per event on stderr (journald under
 * systemd), in a fixed key=value form
 *
 *   ts=2026-12-01T17:38:15.123Z level=info msg="job 3 queued by ann"
 *
 * When stderr is the journal (systemd's JOURNAL_STREAM names it), each line
 * starts with the level's syslog priority, "<3>" to "<7>", which journald
 * strips and keeps (journalctl -p warning).  ts is UTC to the millisecond; level is error, warn, info or debug; msg is
 * always quoted, with \" \\ \n \t and other control bytes escaped, so a line
 * never breaks and splits on the first two spaces.  Lines below the level set
 * by scann_log_set_level are dropped.  Its own file so that whoever logs (the
 * api's handlers, the pool, main) includes only this, not the REST surface.
 * It sits in api/, the lowest layer that logs (store/ reports errors to its
 * caller instead); server/ includes it by path.
 */
#ifndef SCANN_LOG_H
#define SCANN_LOG_H

enum scann_log_level {
	SCANN_LOG_ERROR,
	SCANN_LOG_WARN,
	SCANN_LOG_INFO,
	SCANN_LOG_DEBUG,
};

/* One line at LEVEL: the message (no newline needed). */
void scann_log_at(enum scann_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line at level info. */
void scann_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Drop lines less severe than LEVEL (info at start).  Any thread. */
void scann_log_set_level(enum scann_log_level level);

/* "error", "warn", "info" or "debug" to its level; -1 for anything else. */
int scann_log_level_parse(const char *name);

#endif
