/*
 * check_events.c -- the NDJSON emitter (events.h): one compact line per
 * event, seq then type then the body's fields in order, reals with 9
 * significant digits; and resumption: a resumed run does not print again
 * what the stopped run printed (internal seq <= upto), numbers on from the
 * stop event (printed = internal + shift), so the stream a consumer sees
 * across stops and resumes is gap-free and repeat-free; after a crash (upto
 * not saved) the regenerated events come again with the same seq and bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/events.h"
#include "testutil.h"

/* The emitter's output goes to a memory buffer. */
struct capture {
	char buf[8192];
	FILE *f;
};

static void capture_open(struct capture *c, struct scann_events *ev)
{
	memset(c->buf, 0, sizeof(c->buf));
	c->f = fmemopen(c->buf, sizeof(c->buf) - 1, "w");
	ck_assert_ptr_nonnull(c->f);
	ev->out = c->f;
}

static void capture_close(struct capture *c)
{
	fclose(c->f);
}

/* The job's internal event number i, as every run regenerates it. */
static void emit_event(struct scann_events *ev, int i)
{
	scann_events_emit(ev, "epoch", json_pack("{s:i, s:f}", "epoch", i,
						 "val_acc", i / 8.0));
}

/*
 * Issue 16: the event log a crashed run replays from keeps only its tail
 * (a job printing epochs as fast as it can must not fill the disk), and a
 * replay prints the logged lines up to the resumed stream's start, the
 * stop events left out, and nothing after a clean stop.
 */
START_TEST(the_event_log_keeps_a_bounded_tail_and_replays_it)
{
	struct scann_events ev = {0};
	char path[512], older[530];
	FILE *null = fopen("/dev/null", "w"), *f;
	long size = 0, older_size = 0;
	char *buf = NULL;
	size_t len = 0;
	int i;

	snprintf(path, sizeof(path), "%s/events.ndjson", test_tmpdir());
	snprintf(older, sizeof(older), "%s.1", path);
	ev.out = null;
	ck_assert_int_eq(scann_events_log_open(&ev, path, 0), 0);
	for (i = 1; i <= 40000; i++)	/* ~3.4 MB printed */
		emit_event(&ev, i);
	fclose(ev.log);
	ev.log = NULL;
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	f = fopen(older, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	older_size = ftell(f);
	fclose(f);
	ck_assert_int_le(size + older_size, 2 * SCANN_EVENTS_LOG_MAX + 200);
	ck_assert_int_ge(older_size, SCANN_EVENTS_LOG_MAX);
	/* Resumed from a checkpoint at event 39990: the tail up to it. */
	f = open_memstream(&buf, &len);
	ev.out = f;
	ev.seq = 39990;
	ck_assert_int_gt(scann_events_replay(&ev, path), 1000);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "{\"seq\":39990,"));
	ck_assert_ptr_null(strstr(buf, "{\"seq\":39991,"));
	free(buf);
	/* After a clean stop (the log ends with the final event): nothing. */
	ck_assert_int_eq(scann_events_log_open(&ev, path, 1), 0);
	ev.out = null;
	scann_events_emit_final(&ev, "log", json_pack("{s:s}", "resume", "d"));
	fclose(ev.log);
	ev.log = NULL;
	ev.out = null;
	ck_assert_int_eq(scann_events_replay(&ev, path), 0);
	fclose(null);
}
END_TEST

START_TEST(events_are_numbered_from_one_with_their_type)
{
	struct capture c;
	struct scann_events ev = {0};

	capture_open(&c, &ev);
	scann_events_emit(&ev, "stage", json_pack("{s:s}", "stage", "baseline"));
	scann_events_log(&ev, "info", "hello %d", 3);
	scann_events_emit(&ev, "result", NULL);
	capture_close(&c);
	ck_assert_str_eq(c.buf,
			 "{\"seq\":1,\"type\":\"stage\",\"stage\":\"baseline\"}\n"
			 "{\"seq\":2,\"type\":\"log\",\"level\":\"info\",\"message\":\"hello 3\"}\n"
			 "{\"seq\":3,\"type\":\"result\"}\n");
	ck_assert_uint_eq(ev.seq, 3);
}
END_TEST

START_TEST(fields_keep_their_order_and_reals_have_nine_digits)
{
	struct capture c;
	struct scann_events ev = {0};

	capture_open(&c, &ev);
	scann_events_emit(&ev, "epoch",
			  json_pack("{s:f, s:f, s:i, s:f}", "z", 1.0 / 3.0,
				    "a", 0.1, "m", 7, "big", 123456789012.0));
	capture_close(&c);
	ck_assert_str_eq(c.buf,
			 "{\"seq\":1,\"type\":\"epoch\",\"z\":0.333333333,"
			 "\"a\":0.1,\"m\":7,\"big\":1.23456789e11}\n");
}
END_TEST

/*
 * A run prints events 1..5 and is stopped: the stop event is printed as 6,
 * and upto/shift say so for the run directory.  Resumed from a checkpoint
 * taken after event 2, the run regenerates 3..8: 3..5 are not printed
 * again, 6..8 are printed as 7..9 with the uninterrupted run's bytes.
 */
START_TEST(a_resumed_run_prints_on_after_the_stop_event)
{
	struct capture c, whole;
	struct scann_events ev = {0}, un = {0};
	char expect[1024];
	const char *tail;

	capture_open(&c, &ev);
	for (int i = 1; i <= 5; i++)
		emit_event(&ev, i);
	scann_events_emit_final(&ev, "log",
				json_pack("{s:s}", "state", "cancelled"));
	capture_close(&c);
	ck_assert_uint_eq(ev.upto, 5);
	ck_assert_uint_eq(ev.shift, 1);
	tail = strstr(c.buf, "{\"seq\":6,");
	ck_assert_ptr_nonnull(tail);
	ck_assert_str_eq(tail,
			 "{\"seq\":6,\"type\":\"log\",\"state\":\"cancelled\"}\n");

	/* The uninterrupted run, for the bytes of events 6..8. */
	capture_open(&whole, &un);
	for (int i = 1; i <= 8; i++)
		emit_event(&un, i);
	capture_close(&whole);

	/* Resume: the checkpoint's counter (2) and the directory's upto/shift. */
	ev = (struct scann_events){.seq = 2, .upto = 5, .shift = 1};
	capture_open(&c, &ev);
	for (int i = 3; i <= 8; i++)
		emit_event(&ev, i);
	capture_close(&c);
	expect[0] = '\0';
	for (int i = 6; i <= 8; i++) {
		char line[200];
		const char *at, *rest;

		snprintf(line, sizeof(line), "{\"seq\":%d,", i);
		at = strstr(whole.buf, line);
		ck_assert_ptr_nonnull(at);
		rest = strchr(at, ',');
		snprintf(line, sizeof(line), "{\"seq\":%d", i + 1);
		strcat(expect, line);
		strncat(expect, rest, (size_t)(strchr(rest, '\n') - rest) + 1);
	}
	ck_assert_str_eq(c.buf, expect);
	ck_assert_uint_eq(ev.seq, 8);

	/* Stopped again: that stop is 10, and a later resume numbers from 11. */
	capture_open(&c, &ev);
	scann_events_emit_final(&ev, "log",
				json_pack("{s:s}", "state", "timeout"));
	capture_close(&c);
	ck_assert_str_eq(c.buf,
			 "{\"seq\":10,\"type\":\"log\",\"state\":\"timeout\"}\n");
	ck_assert_uint_eq(ev.upto, 8);
	ck_assert_uint_eq(ev.shift, 2);
	ev = (struct scann_events){.seq = 7, .upto = 8, .shift = 2};
	capture_open(&c, &ev);
	scann_events_emit(&ev, "skipped", NULL);		/* internal 8 */
	scann_events_emit(&ev, "result", NULL);		/* internal 9 */
	capture_close(&c);
	ck_assert_str_eq(c.buf, "{\"seq\":11,\"type\":\"result\"}\n");
}
END_TEST

/* A stop right after a resume, before anything new was printed. */
START_TEST(a_stop_before_any_new_event_follows_the_last_printed)
{
	struct capture c;
	struct scann_events ev = {.seq = 2, .upto = 5, .shift = 1};

	capture_open(&c, &ev);
	emit_event(&ev, 3);	/* printed before: skipped */
	scann_events_emit_final(&ev, "log",
				json_pack("{s:s}", "state", "cancelled"));
	capture_close(&c);
	/* 1..5 and the first stop (6) are out: this stop is 7 */
	ck_assert_str_eq(c.buf,
			 "{\"seq\":7,\"type\":\"log\",\"state\":\"cancelled\"}\n");
	ck_assert_uint_eq(ev.upto, 5);
	ck_assert_uint_eq(ev.shift, 2);
}
END_TEST

START_TEST(after_a_crash_events_repeat_with_the_same_seq_and_bytes)
{
	struct capture first, again;
	struct scann_events ev = {0};
	const char *from;

	capture_open(&first, &ev);
	for (int i = 1; i <= 4; i++)
		emit_event(&ev, i);
	capture_close(&first);
	/* crash after 4; the checkpoint holds 2, no upto was saved */
	ev = (struct scann_events){.seq = 2};
	capture_open(&again, &ev);
	for (int i = 3; i <= 4; i++)
		emit_event(&ev, i);
	capture_close(&again);
	from = strstr(first.buf, "{\"seq\":3,");
	ck_assert_ptr_nonnull(from);
	ck_assert_str_eq(again.buf, from);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, events_are_numbered_from_one_with_their_type);
	tcase_add_test(tc, fields_keep_their_order_and_reals_have_nine_digits);
	tcase_add_test(tc, a_resumed_run_prints_on_after_the_stop_event);
	tcase_add_test(tc, a_stop_before_any_new_event_follows_the_last_printed);
	tcase_add_test(tc, after_a_crash_events_repeat_with_the_same_seq_and_bytes);
	tcase_add_test(tc, the_event_log_keeps_a_bounded_tail_and_replays_it);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(events_suite());
}
