/*
 * events.c -- the NDJSON event emitter; see events.h.
 */
#include <stdarg.h>
#include <stdlib.h>

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
