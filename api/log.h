/*
 * log.h -- scannd's log: one line per call on stderr, stamped with the UTC
 * time to the millisecond and "scannd:".  Its own file so that whoever
 * logs (the api's handlers, the pool, main) includes only this, not the
 * REST surface.  It sits in api/, the lowest layer that logs (store/
 * reports errors to its caller instead); server/ includes it by path.
 */
#ifndef SCANN_LOG_H
#define SCANN_LOG_H

/* One log line to stderr: time, then the message (no newline needed). */
void scann_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
