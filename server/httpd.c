/*
 * httpd.c -- see httpd.h.  After every MHD_run the timer is re-armed from
 * MHD_get_timeout, which is 0 while MHD has work it can do without new
 * socket events (a resumed connection, a response to push).
 */
#include <stdlib.h>
#include <string.h>

#include "api/log.h"
#include "httpd.h"

struct scann_httpd {
	uv_loop_t *loop;
	struct MHD_Daemon *d;
	struct scann_api *api;
	uv_poll_t poll;
	uv_timer_t timer;
	int closing;
	int open_handles;
	void (*done)(void *cls);
	void *done_cls;
};

static void on_timer(uv_timer_t *t);

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
	scann_log("http: %s", buf);
}

int scann_httpd_start(uv_loop_t *loop, const struct sockaddr *addr,
		      struct scann_api *api, struct scann_httpd **out,
		      struct scann_error *err)
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
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
				MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0),
				port, NULL, NULL,
				scann_api_handle, api,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
				MHD_OPTION_SOCK_ADDR, addr,
				MHD_OPTION_NOTIFY_COMPLETED,
				scann_api_completed, api,
				MHD_OPTION_CONNECTION_TIMEOUT, 120u,
				MHD_OPTION_CONNECTION_LIMIT, 2048u,
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
	h->poll.data = h->timer.data = h;
	h->open_handles = 2;
	uv_poll_start(&h->poll, UV_READABLE, on_poll);
	uv_timer_start(&h->timer, on_timer, 0, 0);
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
}
