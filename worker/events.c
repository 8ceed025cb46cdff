/*
 * events.c -- the NDJSON event emitter; see events.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static void print(struct scann_events *ev, uint64_t printed, const char *type,
		  json_t *body)
{
	json_t *obj = json_object();
	const char *key;
	json_t *val;
	char *line;

	json_object_set_new(obj, "seq", json_integer((json_int_t)printed));
	json_object_set_new(obj, "type", json_string(type));
	if (body)
		json_object_foreach(body, key, val)
			json_object_set(obj, key, val);
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER |
				       JSON_REAL_PRECISION(9));
	if (line) {
		fputs(line, ev->out);
		fputc('\n', ev->out);
		fflush(ev->out);
		if (ev->log) {
			fputs(line, ev->log);
			fputc('\n', ev->log);
			fflush(ev->log);
		}
		free(line);
	}
	json_decref(obj);
	json_decref(body);
}

/*
 * The stream's lock is held from the count to the printed line, so the
 * watchdog (watchdog.h), which takes it to print a forced stop's final
 * event, never sees an event counted but not yet printed.
 */
void scann_events_emit(struct scann_events *ev, const char *type, json_t *body)
{
	flockfile(ev->out);
	if (++ev->seq <= ev->upto)
		json_decref(body);	/* printed before the stop */
	else
		print(ev, ev->seq + ev->shift, type, body);
	funlockfile(ev->out);
}

void scann_events_emit_final(struct scann_events *ev, const char *type,
			     json_t *body)
{
	flockfile(ev->out);
	if (ev->seq > ev->upto)
		ev->upto = ev->seq;
	print(ev, ev->upto + ev->shift + 1, type, body);
	ev->shift++;
	funlockfile(ev->out);
}

void scann_events_log(struct scann_events *ev, const char *level,
		      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scann_events_emit(ev, "log", json_pack("{s:s, s:s}", "level", level,
					       "message", msg));
}

long scann_events_replay(struct scann_events *ev, const char *path, long tail)
{
	FILE *f = fopen(path, "r");
	unsigned long long upto = ev->seq + ev->shift, seq;
	char *line = NULL, *last = NULL;
	size_t cap = 0;
	ssize_t n;
	long size, printed = 0;

	if (f == NULL)
		return 0;
	/* The stop's final event is the last line after a clean stop. */
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > tail ? size - tail : 0, SEEK_SET);
	if (size > tail && getline(&line, &cap, f) < 0)	/* a partial line */
		size = 0;
	while (size > 0 && (n = getline(&line, &cap, f)) > 0) {
		free(last);
		last = strdup(line);
	}
	if (last == NULL || strstr(last, "\"resume\":") != NULL) {
		free(last);
		free(line);
		fclose(f);
		return 0;
	}
	free(last);
	fseek(f, size > tail ? size - tail : 0, SEEK_SET);
	if (size > tail && getline(&line, &cap, f) < 0)
		size = 0;
	flockfile(ev->out);
	while ((n = getline(&line, &cap, f)) > 0) {
		/* Not a stop's final event: those were read in full (the
		 * consumer waited for the stopped worker's exit). */
		if (sscanf(line, "{\"seq\":%llu,", &seq) != 1 || seq > upto ||
		    line[n - 1] != '\n' || strstr(line, "\"resume\":") != NULL)
			continue;
		fputs(line, ev->out);
		printed++;
	}
	fflush(ev->out);
	funlockfile(ev->out);
	free(line);
	fclose(f);
	return printed;
}
