/*
 * config.c -- reading scannd's settings (see config.h).  One table lists
 * every key, so the file and the command line accept the same names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/log.h"
#include "config.h"

#ifndef SCANN_VERSION
#define SCANN_VERSION "unknown"
#endif

enum kind { K_STR, K_INT, K_SIZE };

struct key {
	const char *name;
	enum kind kind;
	size_t off, len;	/* K_STR: buffer size */
	long long lo, hi;
	const char *help;
};

#define OFF(f) offsetof(struct scann_config, f)
static const struct key keys[] = {
	{ "listen", K_STR, OFF(listen), 256, 0, 0, "HOST:PORT or [IPv6]:PORT to serve on" },
	{ "data-dir", K_STR, OFF(data_dir), 1024, 0, 0,
	  "database, datasets and job files" },
	{ "web-dir", K_STR, OFF(web_dir), 1200, 0, 0, "dashboard files" },
	{ "worker", K_STR, OFF(worker), 1200, 0, 0, "scann-worker program" },
	{ "workers", K_INT, OFF(workers), 0, 0, 1024,
	  "worker slots (0: number of cores)" },
	{ "max-body", K_SIZE, OFF(max_body), 0, 1024, 1LL << 30,
	  "largest JSON request body, bytes" },
	{ "max-dataset", K_SIZE, OFF(max_dataset), 0, 1024, 1LL << 34,
	  "largest dataset upload, bytes" },
	{ "user-limit", K_INT, OFF(user_limit), 0, 0, 1024,
	  "running jobs per user; more wait queued (0: no cap; default half "
	  "the worker slots)" },
	{ "user-queue", K_INT, OFF(user_queue), 0, 0, 1000000,
	  "queued jobs per user; more are refused, 429 (0: no cap; "
	  "default 100)" },
	{ "grace", K_INT, OFF(grace_s), 0, 0, 3600,
	  "seconds between SIGTERM and SIGKILL" },
	{ "sse-ping", K_INT, OFF(sse_ping_s), 0, 1, 3600,
	  "seconds between SSE keep-alive comments" },
	{ "job-timeout", K_INT, OFF(job_timeout_s), 0, 0, 30 * 24 * 3600,
	  "cap on a job's resources.timeout_s, a longer one refused (0: "
	  "none; default 86400)" },
	{ "max-db", K_SIZE, OFF(max_db), 0, 0, 1LL << 40,
	  "cap on the database file, bytes (0: none)" },
	{ "per-ip", K_INT, OFF(per_ip), 0, 0, 65536,
	  "connections kept from one client address (0: no cap)" },
	{ "request-deadline", K_INT, OFF(request_deadline_s), 0, 0, 86400,
	  "seconds a request has for its headers and body (0: none)" },
	{ "epoch-rate", K_INT, OFF(epoch_rate), 0, 0, 100000,
	  "epoch events stored per second and job; faster ones thinned "
	  "(0: all)" },
	{ "log-level", K_STR, OFF(log_level), 16, 0, 0,
	  "least severe log lines kept: error, warn, info or debug" },
	{ "runner", K_STR, OFF(runner), 16, 0, 0,
	  "how workers run: local (children of scannd) or slurm" },
	{ "slurm-spool", K_STR, OFF(slurm_spool), 1024, 0, 0,
	  "directory shared with the Slurm nodes for job files" },
	{ "slurm-partition", K_STR, OFF(slurm_partition), 128, 0, 0,
	  "Slurm partition (default: the cluster's)" },
	{ "slurm-account", K_STR, OFF(slurm_account), 128, 0, 0,
	  "Slurm account to charge (default: none)" },
	{ "slurm-time-limit", K_STR, OFF(slurm_time_limit), 64, 0, 0,
	  "sbatch --time (default: the job's timeout + 2 min)" },
	{ "slurm-max-jobs", K_INT, OFF(slurm_max_jobs), 0, 0, 100000,
	  "Slurm jobs in flight (0: --workers)" },
	{ "slurm-sbatch-args", K_STR, OFF(slurm_sbatch_args), 1024, 0, 0,
	  "more sbatch arguments, split on blanks" },
	{ "worker-memory", K_SIZE, OFF(worker_memory), 0, 0, 1LL << 50,
	  "cap on each worker's address space, bytes (default half the "
	  "RAM; 0: none)" },
	{ "insecure-open", K_INT, OFF(insecure_open), 0, 0, 1,
	  "1: listen beyond loopback with no tokens, every client an admin "
	  "(default 0: refused)" },
	{ "retain-days", K_INT, OFF(retain_days), 0, 0, 36500,
	  "finished jobs (records and files) deleted this many days after "
	  "they ended (0: kept)" },
	{ "retain-db", K_SIZE, OFF(retain_db), 0, 0, 1LL << 50,
	  "oldest finished jobs deleted while the database uses more bytes "
	  "(0: no limit)" },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/*
 * The value's name in --help for keys whose kind does not say it well
 * enough; the others show N (K_INT), BYTES (K_SIZE) or VALUE (K_STR).
 */
static const struct {
	const char *key, *arg;
} arg_names[] = {
	{ "listen", "HOST:PORT" },
	{ "data-dir", "DIR" },
	{ "web-dir", "DIR" },
	{ "worker", "PROGRAM" },
	{ "log-level", "LEVEL" },
	{ "runner", "KIND" },
	{ "slurm-spool", "DIR" },
	{ "slurm-partition", "PARTITION" },
	{ "slurm-account", "ACCOUNT" },
	{ "slurm-time-limit", "TIME" },
	{ "slurm-sbatch-args", "ARGS" },
};

/*
 * The keys a running scannd takes on SIGHUP: they are read afresh for each
 * request, dispatch or log line.  Every other key is read once at start
 * (sockets, paths, slots, the database cap) and needs a restart.
 */
static const char *const reloadable[] = {
	"max-body", "max-dataset", "user-limit", "grace", "sse-ping",
	"job-timeout", "epoch-rate", "log-level",
};

static int is_reloadable(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(reloadable) / sizeof(reloadable[0]); i++)
		if (strcmp(reloadable[i], name) == 0)
			return 1;
	return 0;
}

void scann_config_changes(const struct scann_config *old,
			  const struct scann_config *now,
			  void (*fn)(void *cls, const char *key,
				     int reloadable),
			  void *cls)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		const char *a = (const char *)old + k->off;
		const char *b = (const char *)now + k->off;
		int same = k->kind == K_STR ? strcmp(a, b) == 0 :
			   k->kind == K_INT ? *(const int *)a == *(const int *)b :
			   *(const size_t *)a == *(const size_t *)b;

		if (!same)
			fn(cls, k->name, is_reloadable(k->name));
	}
}

static const char *arg_name(const struct key *k)
{
	size_t i;

	for (i = 0; i < sizeof(arg_names) / sizeof(arg_names[0]); i++)
		if (strcmp(arg_names[i].key, k->name) == 0)
			return arg_names[i].arg;
	return k->kind == K_INT ? "N" : k->kind == K_SIZE ? "BYTES" : "VALUE";
}

void scann_config_usage(void)
{
	char opt[64];
	size_t i;

	printf("Usage: scannd [OPTION]...\n"
	       "       scannd [--data-dir DIR] token add NAME [--admin]\n"
	       "       scannd [--data-dir DIR] token list\n"
	       "       scannd [--data-dir DIR] token revoke NAME\n"
	       "       scannd [--data-dir DIR] backup FILE\n"
	       "       scannd --data-dir NEWDIR restore FILE\n"
	       "\n"
	       "Serves the scann REST API (see api/openapi.yaml) and the dashboard,\n"
	       "and runs submitted jobs in scann-worker processes.\n"
	       "\n"
	       "Options:\n"
	       "  --config FILE         read settings from FILE first: the keys "
	       "below,\n"
	       "                        one \"key = value\" a line, '#' "
	       "comments\n");
	for (i = 0; i < N_KEYS; i++) {
		snprintf(opt, sizeof(opt), "--%s %s", keys[i].name,
			 arg_name(&keys[i]));
		printf("  %-21s %s\n", opt, keys[i].help);
	}
	printf("  -h, --help            show this help and exit\n"
	       "  -V, --version         show the version and exit\n"
	       "\n"
	       "BYTES takes a k, M or G suffix.  The command line wins over the "
	       "file.\n"
	       "\n"
	       "Signals: SIGTERM or SIGINT drains (running workers checkpoint) "
	       "and stops;\n"
	       "SIGHUP reads the config file again and takes the limits, "
	       "log-level and\n"
	       "the token count (auth on or off) from it; other keys need a "
	       "restart.\n"
	       "\n"
	       "Exit status: 0 success, 1 failure, 2 bad usage or settings.\n"
	       "See scannd(8).\n");
}

void scann_config_version(void)
{
	printf("scannd (scann) %s\n", SCANN_VERSION);
}

static int set(struct scann_config *cfg, const char *name, const char *value,
	       struct scann_error *err)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		const struct key *k = &keys[i];
		char *base = (char *)cfg + k->off, *end;
		long long v;

		if (strcmp(k->name, name) != 0)
			continue;
		if (k->kind == K_STR) {
			if (strlen(value) >= k->len)
				return scann_error_set(err, SCANN_EINVAL, name,
						       "%s: too long", name);
			strcpy(base, value);
			return 0;
		}
		errno = 0;
		v = strtoll(value, &end, 10);
		if (k->kind == K_SIZE && (*end == 'k' || *end == 'K'))
			v <<= 10, end++;
		else if (k->kind == K_SIZE && (*end == 'm' || *end == 'M'))
			v <<= 20, end++;
		else if (k->kind == K_SIZE && (*end == 'g' || *end == 'G'))
			v <<= 30, end++;
		if (*value == '\0' || *end != '\0' || errno != 0 || v < k->lo ||
		    v > k->hi)
			return scann_error_set(err, SCANN_EINVAL, name,
					       "%s: expected a number from %lld "
					       "to %lld", name, k->lo, k->hi);
		if (k->kind == K_INT)
			*(int *)base = (int)v;
		else
			*(size_t *)base = (size_t)v;
		return 0;
	}
	return scann_error_set(err, SCANN_EINVAL, name, "unknown setting '%s'",
			       name);
}

/* A user name: what is safe in a log line, a URL query and a file name. */
static int user_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int load_file(const char *path, struct scann_config *cfg,
		     struct scann_error *err)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int n = 0, rc = 0;

	if (f == NULL)
		return scann_error_set(err, SCANN_EIO, "config", "%s: %s", path,
				       strerror(errno));
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *s = trim(line), *eq;

		n++;
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			rc = scann_error_set(err, SCANN_EINVAL, "config",
					     "%s:%d: expected key = value",
					     path, n);
			break;
		}
		*eq = '\0';
		rc = set(cfg, trim(s), trim(eq + 1), err);
		if (rc != 0) {
			char msg[SCANN_ERROR_MESSAGE_MAX];

			snprintf(msg, sizeof(msg), "%s", err->message);
			scann_error_set(err, rc, err->field, "%s:%d: %s", path,
					n, msg);
		}
	}
	fclose(f);
	return rc;
}

int scann_config_parse(int argc, char **argv, struct scann_config *cfg,
		       struct scann_error *err)
{
	int i, rc;

	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->listen, "127.0.0.1:8080");
	strcpy(cfg->data_dir, "scann-data");
	cfg->max_body = 1 << 20;
	cfg->max_dataset = (size_t)256 << 20;
	cfg->grace_s = 10;
	cfg->sse_ping_s = 15;
	cfg->per_ip = 64;
	cfg->request_deadline_s = 60;
	cfg->epoch_rate = 20;
	strcpy(cfg->log_level, "info");
	/* --help and --version answer even when the config file is bad. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			scann_config_usage();
			return 1;
		}
		if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			scann_config_version();
			return 1;
		}
	}
	strcpy(cfg->runner, "local");
	/* Budgets that let a team share the server by default. */
	cfg->user_limit = -1;
	cfg->user_queue = 100;
	cfg->job_timeout_s = 24 * 3600;
	/* One job must not take the machine: half its RAM by default. */
	cfg->worker_memory = (size_t)sysconf(_SC_PHYS_PAGES) / 2 *
		(size_t)sysconf(_SC_PAGESIZE);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			rc = load_file(argv[i + 1], cfg, err);
			if (rc != 0)
				return rc;
		}
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "token") == 0) {
			const char *verb = i + 1 < argc ? argv[i + 1] : "";

			if (strcmp(verb, "list") == 0) {
				cfg->token_list = 1;
				i += 1;
				continue;
			}
			if (i + 2 >= argc || (strcmp(verb, "add") != 0 &&
					      strcmp(verb, "revoke") != 0))
				return scann_error_set(err, SCANN_EINVAL, "token",
						       "usage: scannd token add "
						       "NAME [--admin] | token "
						       "list | token revoke NAME");
			if (!user_name_ok(argv[i + 2]))
				return scann_error_set(err, SCANN_EINVAL, "token",
						       "user name '%.64s': 1 to 64 "
						       "of A-Z a-z 0-9 . _ -, not "
						       "starting with . or -",
						       argv[i + 2]);
			if (strcmp(verb, "add") == 0)
				cfg->token_add = 1;
			else
				cfg->token_revoke = 1;
			strcpy(cfg->token_name, argv[i + 2]);
			i += 2;
			continue;
		}
		if (strcmp(a, "backup") == 0 || strcmp(a, "restore") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0' ||
			    strlen(argv[i + 1]) >= sizeof(cfg->backup_file))
				return scann_error_set(err, SCANN_EINVAL, a,
						       "usage: scannd %s FILE",
						       a);
			if (a[0] == 'b')
				cfg->backup = 1;
			else
				cfg->restore = 1;
			strcpy(cfg->backup_file, argv[++i]);
			continue;
		}
		if (strcmp(a, "--admin") == 0 && cfg->token_add) {
			cfg->token_admin = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0 || i + 1 >= argc)
			return scann_error_set(err, SCANN_EINVAL, a,
					       "unexpected argument '%s' "
					       "(try --help)", a);
		if (strcmp(a, "--config") != 0) {
			rc = set(cfg, a + 2, argv[i + 1], err);
			if (rc != 0)
				return rc;
		}
		i++;
	}
	if (scann_log_level_parse(cfg->log_level) < 0)
		return scann_error_set(err, SCANN_EINVAL, "log-level",
				       "log-level: expected error, warn, info "
				       "or debug, not '%s'", cfg->log_level);
	return 0;
}
