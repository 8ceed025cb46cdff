/*
 * httpd.h -- libmicrohttpd driven by the libuv loop: MHD runs in
 * external-poll mode with epoll; its epoll fd is watched by a uv_poll_t and
 * its timeout by a uv_timer_t, so HTTP, the worker pool and SQLite all live
 * on one thread with no locks.
 */
#ifndef SCANN_HTTPD_H
#define SCANN_HTTPD_H

#include <netinet/in.h>

#include <uv.h>

#include "api/api.h"

struct scann_httpd;

/*
 * What one client may hold, so that no address locks the others out.
 * per_ip: connections kept from one address (0: no cap; more are closed as
 * they are accepted).  deadline_s: seconds a request has for its headers
 * and body, counted from the connection's start or the previous request's
 * end; a connection past it is closed, however steadily it trickles bytes
 * (MHD's own timeout counts idle time only).  Answering -- a stream, a long
 * poll, an upload being parsed -- is not bounded by it.  0: no deadline.
 */
struct scann_httpd_limits {
	unsigned per_ip;
	unsigned deadline_s;
};

/*
 * Listen on addr (IPv4 or IPv6) and serve api within lim (borrowed).  *out
 * owns the daemon; 0 or a negative SCANN_E* code with err filled (address
 * in use, ...).
 */
int scann_httpd_start(uv_loop_t *loop, const struct sockaddr *addr,
		      struct scann_api *api,
		      const struct scann_httpd_limits *lim,
		      struct scann_httpd **out, struct scann_error *err);
/* Let MHD run soon (after connections were resumed from outside it). */
void scann_httpd_kick(struct scann_httpd *h);
/* Stop listening and free; done(cls) runs once the uv handles are closed. */
void scann_httpd_stop(struct scann_httpd *h, void (*done)(void *cls),
		      void *cls);

#endif
