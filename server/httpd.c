/*
 * httpd.c -- see httpd.h.  After every MHD_run the timer is re-armed from
 * MHD_get_timeout, which is 0 while MHD has work it can do without new
 * socket events (a resumed connection, a response to push).
 *
 * The request deadline: every connection has a struct conn (MHD's socket
 * context) holding when its current request began and whether it has all
 * of it (the access handler's call with no more body); a sweep each second
 * shuts down the sockets of requests still arriving past the deadline, and
 * MHD, reading end-of-file, closes them.  The access and completion
 * callbacks pass through here to keep that clock, then go on to the api.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "api/log.h"
#include "store/store.h"
#include "httpd.h"

/* One TCP connection's request clock. */
struct conn {
	struct MHD_Connection *c;
	int64_t start_ms;	/* its request began (or the last one ended) */
	unsigned calls;		/* access handler calls for this request */
	int complete;		/* headers and body are in */
	int cut;		/* shut down by the sweep */
	struct conn *prev, *next;
};

struct scann_httpd {
	uv_loop_t *loop;
	struct MHD_Daemon *d;
	struct scann_api *api;
	struct scann_httpd_limits lim;
	uv_poll_t poll;
	uv_timer_t timer;
	uv_timer_t sweep;
	struct conn *conns;
	int closing;
	int open_handles;
	void (*done)(void *cls);
	void *done_cls;
};

static void on_timer(uv_timer_t *t);

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct scann_httpd *h = cls;
	struct conn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		k = calloc(1, sizeof(*k));
		if (k == NULL)
			abort();
		k->c = c;
		k->start_ms = scann_store_now_ms();
		k->next = h->conns;
		if (h->conns != NULL)
			h->conns->prev = k;
		h->conns = k;
		*socket_context = k;
		return;
	}
	if (k == NULL)
		return;
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		h->conns = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	free(k);
	*socket_context = NULL;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *data,
				 size_t *size, void **con_cls)
{
	struct scann_httpd *h = cls;
	struct conn *k = conn_of(c);

	/* The first call has the headers; a later one with no data, the end. */
	if (k != NULL && k->calls++ > 0 && *size == 0)
		k->complete = 1;
	return scann_api_handle(h->api, c, url, method, version, data, size,
				con_cls);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct scann_httpd *h = cls;
	struct conn *k = conn_of(c);

	if (k != NULL) {	/* a kept-alive connection's next request */
		k->start_ms = scann_store_now_ms();
		k->calls = 0;
		k->complete = 0;
	}
	scann_api_completed(h->api, c, con_cls, toe);
}

static void on_sweep(uv_timer_t *t)
{
	struct scann_httpd *h = t->data;
	int64_t now = scann_store_now_ms();
	const union MHD_ConnectionInfo *ci;
	struct conn *k;
	int cut = 0;

	for (k = h->conns; k != NULL; k = k->next) {
		if (k->complete || k->cut ||
		    now - k->start_ms < (int64_t)h->lim.deadline_s * 1000)
			continue;
		ci = MHD_get_connection_info(k->c,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			continue;
		/* MHD owns the fd; shutdown makes it read EOF and close it. */
		shutdown(ci->connect_fd, SHUT_RDWR);
		k->cut = 1;
		cut++;
	}
	if (cut > 0) {
		scann_log_at(SCANN_LOG_WARN, "http: closed %d connection%s "
			     "whose request was not in after %u s", cut,
			     cut == 1 ? "" : "s", h->lim.deadline_s);
		uv_timer_start(&h->timer, on_timer, 0, 0);
	}
}


static void run(struct scann_httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (h->closing)
		return;
	MHD_run(h->d);
	if (MHD_get_timeout(h->d, &ms) == MHD_YES)
		uv_timer_start(&h->timer, on_timer, ms > 60000 ? 60000 : ms, 0);
	else
		uv_timer_start(&h->timer, on_timer, 1000, 0);
}

static void on_timer(uv_timer_t *t)
{
	run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	run(p->data);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	scann_log_at(SCANN_LOG_WARN, "http: %s", buf);
}

int scann_httpd_start(uv_loop_t *loop, const struct sockaddr *addr,
		      struct scann_api *api,
		      const struct scann_httpd_limits *lim,
		      struct scann_httpd **out, struct scann_error *err)
{
	struct scann_httpd *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	int v6 = addr->sa_family == AF_INET6;
	uint16_t port = ntohs(v6 ?
		((const struct sockaddr_in6 *)(const void *)addr)->sin6_port :
		((const struct sockaddr_in *)(const void *)addr)->sin_port);

	if (h == NULL)
		abort();
	h->loop = loop;
	h->api = api;
	h->lim = *lim;
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
				MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
				port, NULL, NULL,
				on_access, h,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				MHD_OPTION_SOCK_ADDR, addr,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_CONNECTION_LIMIT, 2048u,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				lim->per_ip,
				MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)64 * 1024,
				MHD_OPTION_END);
	if (h->d == NULL) {
		free(h);
		return scann_error_set(err, SCANN_EIO, "listen",
				       "cannot listen on port %u (in use?)",
				       port);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	uv_poll_init(loop, &h->poll, info->epoll_fd);
	uv_timer_init(loop, &h->timer);
	uv_timer_init(loop, &h->sweep);
	h->poll.data = h->timer.data = h->sweep.data = h;
	h->open_handles = 3;
	uv_poll_start(&h->poll, UV_READABLE, on_poll);
	uv_timer_start(&h->timer, on_timer, 0, 0);
	if (lim->deadline_s > 0)
		uv_timer_start(&h->sweep, on_sweep, 1000, 1000);
	*out = h;
	return 0;
}

void scann_httpd_kick(struct scann_httpd *h)
{
	if (!h->closing)
		uv_timer_start(&h->timer, on_timer, 0, 0);
}

static void on_closed(uv_handle_t *hd)
{
	struct scann_httpd *h = hd->data;

	if (--h->open_handles > 0)
		return;
	/* MHD forbids stopping with suspended connections: none remain. */
	MHD_stop_daemon(h->d);
	if (h->done != NULL)
		h->done(h->done_cls);
	free(h);
}

void scann_httpd_stop(struct scann_httpd *h, void (*done)(void *cls),
		      void *cls)
{
	/* Let resumed streams and polls run to their end first. */
	scann_api_shutdown(h->api);
	MHD_run(h->d);
	MHD_run(h->d);
	h->closing = 1;
	h->done = done;
	h->done_cls = cls;
	uv_poll_stop(&h->poll);
	uv_close((uv_handle_t *)&h->poll, on_closed);
	uv_close((uv_handle_t *)&h->timer, on_closed);
	uv_close((uv_handle_t *)&h->sweep, on_closed);
}
