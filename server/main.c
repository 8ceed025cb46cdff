/*
 * main.c -- scannd: reads its settings, opens the store, and runs the HTTP
 * surface and the worker pool on one libuv loop until SIGTERM/SIGINT, which
 * drains (no new dispatch; running workers checkpoint and stop, their jobs
 * to resume at the next start).  `scannd token add NAME [--admin]` makes an
 * API token, prints it once, and keeps only its hash.
 *
 * Security rule: with --listen on anything but a loopback address, scannd
 * refuses to start unless at least one token exists; with no token at all
 * every caller is the admin user "local".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "api/api.h"
#include "api/log.h"
#include "config.h"
#include "httpd.h"
#include "pool.h"
#include "store/sha256.h"
#include "store/store.h"

#ifndef SCANN_PKGDATADIR
#define SCANN_PKGDATADIR "/usr/local/share/scann"
#endif
#ifndef SCANN_BINDIR
#define SCANN_BINDIR "/usr/local/bin"
#endif
#ifndef SCANN_SRC_WEBDIR
#define SCANN_SRC_WEBDIR ""
#endif

struct daemon {
	uv_loop_t *loop;
	struct scann_store *st;
	struct scann_api *api;
	struct scann_pool *pool;
	struct scann_httpd *httpd;
	uv_timer_t tick;
	uv_signal_t sigterm, sigint, sighup;
	struct scann_config cfg;	/* as in effect; SIGHUP updates it */
	int argc;			/* the command line, read again */
	char **argv;			/* on SIGHUP */
	int loopback;			/* --listen is a loopback address */
	int draining;
	int offloaded;		/* api work on libuv's thread pool */
	int http_stop_wanted;	/* drained, waiting for offloaded work */
	int64_t retained_ms;	/* the last retention sweep */
};

/* ---- hooks between the api and the pool -------------------------------- */

static void hook_job_queued(void *cls, int64_t id)
{
	struct daemon *d = cls;

	scann_pool_dispatch(d->pool);
}

static int hook_job_cancel(void *cls, int64_t id)
{
	struct daemon *d = cls;

	return scann_pool_cancel(d->pool, id);
}

static int hook_slots_busy(void *cls)
{
	struct daemon *d = cls;

	return scann_pool_busy(d->pool);
}

static void hook_job_changed(void *cls, int64_t id)
{
	struct daemon *d = cls;

	scann_api_job_changed(d->api, id);
	if (d->httpd != NULL)
		scann_httpd_kick(d->httpd);
}

/* One piece of api work on libuv's thread pool. */
struct offload {
	uv_work_t req;
	struct daemon *d;
	void (*work)(void *arg);
	void (*done)(void *arg);
	void *arg;
};

static void on_http_stopped(void *cls);

static void offload_work(uv_work_t *req)
{
	struct offload *o = req->data;

	o->work(o->arg);
}

static void offload_done(uv_work_t *req, int status)
{
	struct offload *o = req->data;
	struct daemon *d = o->d;

	(void)status;	/* never cancelled: uv_cancel is not used */
	o->done(o->arg);
	free(o);
	if (d->httpd != NULL)
		scann_httpd_kick(d->httpd);
	if (--d->offloaded == 0 && d->http_stop_wanted) {
		d->http_stop_wanted = 0;
		scann_httpd_stop(d->httpd, on_http_stopped, d);
	}
}

static int hook_offload(void *cls, void (*work)(void *arg),
			void (*done)(void *arg), void *arg)
{
	struct daemon *d = cls;
	struct offload *o = malloc(sizeof(*o));

	if (o == NULL)
		return -1;
	o->d = d;
	o->work = work;
	o->done = done;
	o->arg = arg;
	o->req.data = o;
	if (uv_queue_work(d->loop, &o->req, offload_work, offload_done) != 0) {
		free(o);
		return -1;
	}
	d->offloaded++;
	return 0;
}

static void on_tick(uv_timer_t *t)
{
	struct daemon *d = t->data;

	scann_api_tick(d->api, scann_store_now_ms());
	/* Retention (--retain-days, --retain-db): once a minute. */
	if (scann_store_now_ms() - d->retained_ms >= 60000) {
		d->retained_ms = scann_store_now_ms();
		scann_api_retain(d->api, d->retained_ms);
	}
	if (d->httpd != NULL)
		scann_httpd_kick(d->httpd);
}

/* ---- shutdown ---------------------------------------------------------- */

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

static void on_http_stopped(void *cls)
{
	struct daemon *d = cls;

	d->httpd = NULL;
	uv_close((uv_handle_t *)&d->tick, on_closed);
	uv_close((uv_handle_t *)&d->sigterm, on_closed);
	uv_close((uv_handle_t *)&d->sigint, on_closed);
	uv_close((uv_handle_t *)&d->sighup, on_closed);
}

static void on_drained(void *cls)
{
	struct daemon *d = cls;

	if (d->offloaded > 0) {
		/* MHD cannot stop with an upload's connection suspended */
		scann_log("workers stopped; closing HTTP after %d upload%s",
			  d->offloaded, d->offloaded == 1 ? "" : "s");
		d->http_stop_wanted = 1;
		return;
	}
	scann_log("workers stopped; closing HTTP");
	scann_httpd_stop(d->httpd, on_http_stopped, d);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	if (d->draining) {
		scann_log_at(SCANN_LOG_WARN, "second signal: stopping now");
		exit(1);
	}
	d->draining = 1;
	scann_log("%s: draining (no new dispatch; workers checkpoint)",
		  signum == SIGTERM ? "SIGTERM" : "SIGINT");
	scann_pool_drain(d->pool, on_drained, d);
}

/* ---- SIGHUP: reload -------------------------------------------------- */

static void default_paths(struct scann_config *cfg);
static int workers_of(int workers);

static void note_change(void *cls, const char *key, int reloadable)
{
	if (reloadable)
		scann_log("reload: %s changed", key);
	else
		scann_log_at(SCANN_LOG_WARN, "reload: %s changed but needs a "
			     "restart; the old value stays in effect", key);
}

/*
 * Read the config file and the command line again, as at start, and take
 * the keys config.c lists as reloadable, and the token count (auth turns
 * on when tokens were added; off again only on a loopback listener).  A
 * file that does not parse changes nothing.
 */
static void on_hup(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	struct scann_config now;
	struct scann_error err;
	struct scann_api_config acfg;
	struct scann_pool_config pcfg;
	int64_t tokens;
	int was, level;

	(void)signum;
	if (scann_config_parse(d->argc, d->argv, &now, &err) != 0) {
		scann_log_at(SCANN_LOG_ERROR, "reload: %s; nothing changed",
			     err.message);
		return;
	}
	if (scann_store_token_count(d->st, &tokens, &err) != 0) {
		scann_log_at(SCANN_LOG_ERROR, "reload: %s; nothing changed",
			     err.message);
		return;
	}
	default_paths(&now);
	now.workers = workers_of(now.workers);
	/* the reload's own lines show at the old level or the new one,
	 * whichever is more verbose */
	was = scann_log_level_parse(d->cfg.log_level);
	level = scann_log_level_parse(now.log_level);
	scann_log_set_level(level > was ? level : was);
	scann_config_changes(&d->cfg, &now, note_change, d);
	memcpy(d->cfg.log_level, now.log_level, sizeof(now.log_level));
	d->cfg.max_body = now.max_body;
	d->cfg.max_dataset = now.max_dataset;
	d->cfg.user_limit = now.user_limit;
	d->cfg.grace_s = now.grace_s;
	d->cfg.sse_ping_s = now.sse_ping_s;
	d->cfg.job_timeout_s = now.job_timeout_s;
	d->cfg.epoch_rate = now.epoch_rate;
	memset(&acfg, 0, sizeof(acfg));
	acfg.max_body = d->cfg.max_body;
	acfg.max_dataset = d->cfg.max_dataset;
	acfg.auth = tokens > 0 || !d->loopback;
	acfg.ping_ms = d->cfg.sse_ping_s * 1000;
	scann_api_reconfigure(d->api, &acfg);
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.grace_ms = d->cfg.grace_s * 1000;
	pcfg.user_limit = d->cfg.user_limit >= 0 ? d->cfg.user_limit :
		(d->cfg.workers + 1) / 2;	/* as at start */
	pcfg.max_timeout_s = d->cfg.job_timeout_s;
	pcfg.epoch_rate = d->cfg.epoch_rate;
	scann_pool_reconfigure(d->pool, &pcfg);
	scann_log("reloaded (auth %s, %lld token%s)",
		  acfg.auth ? "tokens" : "off (loopback only)",
		  (long long)tokens, tokens == 1 ? "" : "s");
	scann_log_set_level(level);
	/* a higher user-limit may let queued jobs start now */
	if (!d->draining)
		scann_pool_dispatch(d->pool);
}

/* ---- start-up helpers -------------------------------------------------- */

/* --workers 0 means one slot a core. */
static int workers_of(int workers)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (workers > 0)
		return workers;
	return cores > 0 ? (int)cores : 1;
}

static void exe_dir(char *out, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", out, n - 1);
	char *slash;

	if (k <= 0) {
		snprintf(out, n, ".");
		return;
	}
	out[k] = '\0';
	slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
}

static int is_file(const char *p, int want_exec)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
	       (!want_exec || access(p, X_OK) == 0);
}

static int is_dir(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Make a relative path absolute against the current directory: workers run
 * in their job's directory, so a relative --worker, --data-dir or
 * --web-dir would otherwise name something else for them.
 */
static void absolutize(char *path, size_t size)
{
	char cwd[1024], out[2400];

	if (path[0] == '\0' || path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return;
	snprintf(out, sizeof(out), "%s/%s", cwd, path);
	if (strlen(out) < size)
		memcpy(path, out, strlen(out) + 1);
}

/* Whether this scannd is the installed one (not a build tree's). */
static int installed(const char *dir)
{
	struct stat a, b;

	return stat(dir, &a) == 0 && stat(SCANN_BINDIR, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void default_paths(struct scann_config *cfg)
{
	char dir[1024], cand[1100];
	const char *env;

	exe_dir(dir, sizeof(dir));
	if (cfg->worker[0] == '\0') {
		env = getenv("SCANN_WORKER");
		snprintf(cand, sizeof(cand), "%s/../worker/scann-worker", dir);
		if (env != NULL && *env)
			snprintf(cfg->worker, sizeof(cfg->worker), "%s", env);
		else if (is_file(cand, 1))
			snprintf(cfg->worker, sizeof(cfg->worker), "%s", cand);
		else
			snprintf(cfg->worker, sizeof(cfg->worker),
				 "%s/scann-worker", dir);
	}
	if (cfg->web_dir[0] == '\0') {
		/* a build tree serves the source's files, to see edits */
		if (!installed(dir) && SCANN_SRC_WEBDIR[0] != '\0' &&
		    is_file(SCANN_SRC_WEBDIR "/index.html", 0))
			snprintf(cfg->web_dir, sizeof(cfg->web_dir), "%s",
				 SCANN_SRC_WEBDIR);
		else
			snprintf(cfg->web_dir, sizeof(cfg->web_dir), "%s/web",
				 SCANN_PKGDATADIR);
	}
	/* A bare program name is looked up in PATH; anything with a slash
	 * is a path. */
	if (strchr(cfg->worker, '/') != NULL)
		absolutize(cfg->worker, sizeof(cfg->worker));
	absolutize(cfg->web_dir, sizeof(cfg->web_dir));
	absolutize(cfg->data_dir, sizeof(cfg->data_dir));
}

/*
 * HOST:PORT, HOST an IPv4 address or "localhost", or [IPv6]:PORT; 0 with
 * *addr filled, or -1.
 */
static int parse_listen(const char *s, struct sockaddr_storage *addr)
{
	char host[256];
	const char *colon = strrchr(s, ':');
	int v6 = s[0] == '[';
	char *end;
	long port;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	if (v6 && (colon - s < 3 || colon[-1] != ']'))
		return -1;
	memcpy(host, s + v6, (size_t)(colon - s - 2 * v6));
	host[colon - s - 2 * v6] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port < 1 || port > 65535)
		return -1;
	memset(addr, 0, sizeof(*addr));
	if (v6) {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -1;
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)addr;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -1;
	}
}

/* 127.0.0.0/8, ::1, or ::ffff:127.x.y.z: only this machine can connect. */
static int is_loopback(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)addr)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >>
		24) == 127;
}

static int token_add(struct scann_store *st, const struct scann_config *cfg)
{
	unsigned char raw[24];
	char token[80], hex[65];
	struct scann_error err;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), i;

	if (fd < 0 || read(fd, raw, sizeof(raw)) != (ssize_t)sizeof(raw)) {
		fprintf(stderr, "scannd: cannot read /dev/urandom\n");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	strcpy(token, "scann_");
	for (i = 0; i < (int)sizeof(raw); i++)
		snprintf(token + 6 + 2 * i, 3, "%02x", raw[i]);
	scann_sha256_hex_of(token, strlen(token), hex);
	if (scann_store_token_add(st, cfg->token_name, cfg->token_admin, hex,
				  &err) != 0) {
		fprintf(stderr, "scannd: %s\n", err.message);
		return 1;
	}
	printf("%s\n", token);
	fprintf(stderr, "scannd: token for %s%s made; it is shown only "
		"this once\n", cfg->token_name,
		cfg->token_admin ? " (admin)" : "");
	return 0;
}

/* "token list": one line a token; the hash prefix tells tokens apart. */
static int token_list(struct scann_store *st)
{
	struct scann_store_token *v;
	struct scann_error err;
	int n;

	if (scann_store_token_list(st, &v, &n, &err) != 0) {
		fprintf(stderr, "scannd: %s\n", err.message);
		return 1;
	}
	printf("%-6s %-24s %-5s %-24s %s\n", "id", "user", "admin", "created",
	       "sha256");
	for (int i = 0; i < n; i++) {
		time_t t = (time_t)(v[i].created_at / 1000);
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("%-6lld %-24s %-5s %-24s %s...\n", (long long)v[i].id,
		       v[i].user, v[i].admin ? "yes" : "no", when,
		       v[i].hash_prefix);
	}
	if (n == 0)
		fprintf(stderr, "scannd: no tokens: the API runs without "
			"authentication, on loopback only\n");
	scann_store_tokens_free(v, n);
	return 0;
}

/* "token revoke NAME": effective at once, also on a running scannd. */
static int token_revoke(struct scann_store *st, const char *name)
{
	struct scann_error err;
	int64_t n, left;

	if (scann_store_token_revoke(st, name, &n, &err) != 0) {
		fprintf(stderr, "scannd: token revoke: %s\n", err.message);
		return err.code == SCANN_ENOENT ? 2 : 1;
	}
	fprintf(stderr, "scannd: revoked %lld token%s of %s\n", (long long)n,
		n == 1 ? "" : "s", name);
	if (scann_store_token_count(st, &left, &err) == 0 && left == 0)
		fprintf(stderr, "scannd: no tokens remain: after a restart the "
			"API runs without authentication, on loopback only\n");
	return 0;
}

/*
 * "backup FILE": the database only, while scannd may run; "restore FILE"
 * into a data directory without one.  The files under datasets/ and jobs/
 * are copied by the operator (scannd(8), BACKUP).
 */
static int backup_or_restore(const struct scann_config *cfg)
{
	struct scann_error err;
	char dbpath[1100];

	if (cfg->backup) {
		snprintf(dbpath, sizeof(dbpath), "%s/scann.db", cfg->data_dir);
		if (scann_store_backup(dbpath, cfg->backup_file, &err) != 0) {
			fprintf(stderr, "scannd: backup: %s\n", err.message);
			return 1;
		}
		fprintf(stderr, "scannd: database of %s copied to %s; copy "
			"%s/datasets and %s/jobs next\n", cfg->data_dir,
			cfg->backup_file, cfg->data_dir, cfg->data_dir);
		return 0;
	}
	if (mkdir(cfg->data_dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "scannd: data dir %s: %s\n", cfg->data_dir,
			strerror(errno));
		return 1;
	}
	if (scann_store_restore(cfg->backup_file, cfg->data_dir, &err) != 0) {
		fprintf(stderr, "scannd: restore: %s\n", err.message);
		return 1;
	}
	fprintf(stderr, "scannd: %s restored into %s; copy the datasets and "
		"jobs directories beside it before starting scannd\n",
		cfg->backup_file, cfg->data_dir);
	return 0;
}

/*
 * The runner cfg asks for into *r (no ops: the pool's default, local); a
 * Slurm runner's slots are its jobs in flight.  -1 after saying why.
 */
static int make_runner(uv_loop_t *loop, struct scann_config *cfg,
		       struct scann_runner *r)
{
	struct scann_slurm_config sc;
	char msg[1200];

	memset(r, 0, sizeof(*r));
	if (strcmp(cfg->runner, "local") == 0)
		return 0;
	if (strcmp(cfg->runner, "slurm") != 0) {
		fprintf(stderr, "scannd: --runner %s: expected local or slurm\n",
			cfg->runner);
		return -1;
	}
	memset(&sc, 0, sizeof(sc));
	sc.spool = cfg->slurm_spool;
	sc.partition = cfg->slurm_partition;
	sc.account = cfg->slurm_account;
	sc.time_limit = cfg->slurm_time_limit;
	sc.sbatch_args = cfg->slurm_sbatch_args;
	sc.worker = cfg->worker;
	sc.poll_ms = 250;
	*r = scann_runner_slurm_new(loop, &sc, msg, sizeof(msg));
	if (r->ops == NULL) {
		fprintf(stderr, "scannd: %s\n", msg);
		return -1;
	}
	if (cfg->slurm_max_jobs > 0)
		cfg->workers = cfg->slurm_max_jobs;
	return 0;
}

int main(int argc, char **argv)
{
	struct scann_config cfg;
	struct scann_error err;
	struct sockaddr_storage addr;
	struct daemon d;
	struct scann_api_config acfg;
	struct scann_api_hooks ah;
	struct scann_pool_config pcfg;
	struct scann_httpd_limits hlim;
	struct scann_pool_hooks ph;
	char dbpath[1100];
	int64_t tokens = 0;
	int rc;

	rc = scann_config_parse(argc, argv, &cfg, &err);
	if (rc == 1)
		return 0;
	if (rc != 0) {
		fprintf(stderr, "scannd: %s\n", err.message);
		return 2;
	}
	default_paths(&cfg);
	/*
	 * Fail closed on disk: everything scannd and its workers create --
	 * database, datasets, job files, a backup -- is the daemon user's
	 * alone (files 0600, directories 0700), and so is a data dir made
	 * before.
	 */
	umask(077);
	if (cfg.backup || cfg.restore)
		return backup_or_restore(&cfg);
	if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "scannd: data dir %s: %s\n", cfg.data_dir,
			strerror(errno));
		return 1;
	}
	chmod(cfg.data_dir, 0700);
	snprintf(dbpath, sizeof(dbpath), "%s/scann.db", cfg.data_dir);
	memset(&d, 0, sizeof(d));
	d.argc = argc;
	d.argv = argv;
	if (scann_store_open(dbpath, &d.st, &err) != 0) {
		fprintf(stderr, "scannd: %s\n", err.message);
		return 1;
	}
	if (cfg.token_add || cfg.token_list || cfg.token_revoke) {
		rc = cfg.token_add ? token_add(d.st, &cfg) :
		     cfg.token_list ? token_list(d.st) :
				      token_revoke(d.st, cfg.token_name);
		scann_store_close(d.st);
		return rc;
	}
	if (cfg.max_db > 0 &&
	    scann_store_set_max_bytes(d.st, (int64_t)cfg.max_db, &err) != 0) {
		fprintf(stderr, "scannd: --max-db: %s\n", err.message);
		scann_store_close(d.st);
		return 1;
	}
	if (parse_listen(cfg.listen, &addr) != 0) {
		fprintf(stderr, "scannd: --listen %s: expected IPv4:PORT or "
			"[IPv6]:PORT\n", cfg.listen);
		scann_store_close(d.st);
		return 2;
	}
	if (scann_store_token_count(d.st, &tokens, &err) != 0) {
		fprintf(stderr, "scannd: %s\n", err.message);
		scann_store_close(d.st);
		return 1;
	}
	if (!is_loopback(&addr) && tokens == 0 && !cfg.insecure_open) {
		fprintf(stderr, "scannd: refusing to listen on %s without API "
			"tokens: run 'scannd --data-dir %s token add NAME "
			"--admin' first (or, to let anyone who can reach it in "
			"as admin, --insecure-open 1)\n", cfg.listen,
			cfg.data_dir);
		scann_store_close(d.st);
		return 2;
	}
	cfg.workers = workers_of(cfg.workers);
	scann_log_set_level(scann_log_level_parse(cfg.log_level));
	signal(SIGPIPE, SIG_IGN);

	d.loop = uv_default_loop();
	memset(&pcfg, 0, sizeof(pcfg));
	if (make_runner(d.loop, &cfg, &pcfg.runner) != 0) {
		scann_store_close(d.st);
		return 2;
	}
	memset(&acfg, 0, sizeof(acfg));
	acfg.data_dir = cfg.data_dir;
	acfg.web_dir = is_dir(cfg.web_dir) ? cfg.web_dir : NULL;
	acfg.max_body = cfg.max_body;
	acfg.max_dataset = cfg.max_dataset;
	acfg.auth = tokens > 0;
	acfg.ping_ms = cfg.sse_ping_s * 1000;
	acfg.user_queue = cfg.user_queue;
	acfg.max_timeout_s = cfg.job_timeout_s;
	acfg.retain_days = cfg.retain_days;
	acfg.retain_bytes = cfg.retain_db;
	acfg.worker = cfg.worker;
	memset(&ah, 0, sizeof(ah));
	ah.cls = &d;
	ah.job_queued = hook_job_queued;
	ah.job_cancel = hook_job_cancel;
	ah.slots_busy = hook_slots_busy;
	ah.slots = cfg.workers;
	ah.offload = hook_offload;
	d.api = scann_api_new(d.st, &acfg, &ah);
	pcfg.slots = cfg.workers;
	pcfg.worker = cfg.worker;
	pcfg.data_dir = cfg.data_dir;
	pcfg.grace_ms = cfg.grace_s * 1000;
	/* By default one user's jobs take at most half the slots. */
	pcfg.user_limit = cfg.user_limit >= 0 ? cfg.user_limit :
		(cfg.workers + 1) / 2;
	pcfg.max_timeout_s = cfg.job_timeout_s;
	pcfg.epoch_rate = cfg.epoch_rate;
	snprintf(pcfg.max_memory_arg, sizeof(pcfg.max_memory_arg),
		 "--max-memory=%zu", cfg.worker_memory);
	ph.cls = &d;
	ph.job_changed = hook_job_changed;
	d.pool = scann_pool_new(d.loop, d.st, &pcfg, &ph);

	hlim.per_ip = (unsigned)cfg.per_ip;
	hlim.deadline_s = (unsigned)cfg.request_deadline_s;
	if (scann_httpd_start(d.loop, (const struct sockaddr *)&addr, d.api,
			      &hlim, &d.httpd, &err) != 0) {
		fprintf(stderr, "scannd: %s: %s\n", cfg.listen, err.message);
		rc = 1;
		goto out;
	}
	scann_log("listening on http://%s/ (data %s, %d %s slot%s, "
		  "auth %s, worker %s, web %s)", cfg.listen, cfg.data_dir,
		  cfg.workers, cfg.runner, cfg.workers == 1 ? "" : "s",
		  tokens ? "tokens" : "off (loopback only)", cfg.worker,
		  acfg.web_dir ? acfg.web_dir : "none");
	uv_timer_init(d.loop, &d.tick);
	d.tick.data = &d;
	uv_timer_start(&d.tick, on_tick, 200, 200);
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	d.sigterm.data = d.sigint.data = &d;
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	d.cfg = cfg;
	d.loopback = is_loopback(&addr);
	uv_signal_init(d.loop, &d.sighup);
	d.sighup.data = &d;
	uv_signal_start(&d.sighup, on_hup, SIGHUP);

	scann_pool_recover(d.pool);
	scann_pool_dispatch(d.pool);
	uv_run(d.loop, UV_RUN_DEFAULT);
	scann_log("stopped");
	rc = 0;
out:
	uv_loop_close(d.loop);
	scann_pool_free(d.pool);
	scann_api_free(d.api);
	scann_store_close(d.st);
	return rc;
}
