/*
 * config.h -- scannd's settings, from a config file (--config FILE: lines
 * "key = value", # comments) and the command line (--key value), the
 * command line winning.  Keys are the long options without dashes.
 */
#ifndef SCANN_CONFIG_H
#define SCANN_CONFIG_H

#include <stddef.h>

#include "worker/job/error.h"

struct scann_config {
	char listen[256];	/* HOST:PORT, default 127.0.0.1:8080 */
	char data_dir[1024];	/* default ./scann-data */
	char web_dir[1200];	/* "" = the default dashboard dir */
	char worker[1200];	/* "" = scann-worker next to scannd */
	int workers;		/* slots; 0 = number of cores */
	size_t max_body;	/* JSON bodies; default 1 MiB */
	size_t max_db;		/* database file cap; 0 = none */
	size_t max_dataset;	/* uploads; default 256 MiB */
	int user_limit;		/* running jobs per user; 0 = no cap; -1 =
				 * half the slots (the default) */
	int user_queue;		/* queued jobs per user; 0 = no cap */
	int grace_s;		/* SIGTERM -> SIGKILL; default 10 */
	int job_timeout_s;	/* cap on a spec's timeout_s; 0 = none */
	int sse_ping_s;		/* SSE keep-alive comment period; default 15 */
	int per_ip;		/* connections per client address; default 64 */
	int request_deadline_s;	/* headers + body of a request; default 60 */
	int epoch_rate;		/* epoch events stored per s and job; 20 */
	char log_level[16];	/* error, warn, info (default) or debug */
	/* Runner (server/runner.h): "local" (default) or "slurm". */
	char runner[16];
	char slurm_spool[1024], slurm_partition[128], slurm_account[128];
	char slurm_time_limit[64], slurm_sbatch_args[1024];
	int slurm_max_jobs;	/* Slurm jobs in flight; 0 = workers */
	size_t worker_memory;	/* each worker's RLIMIT_AS; default RAM / 2 */
	int retain_days;	/* finished jobs deleted after; 0 = kept */
	int insecure_open;	/* 1: no tokens yet any address (anyone admin) */
	size_t retain_db;	/* oldest finished jobs deleted past; 0 */
	/* "token add NAME [--admin]", "token list", "token revoke NAME" */
	int token_add, token_list, token_revoke;
	char token_name[128];
	int token_admin;
	/* "backup FILE" (online copy of the database), "restore FILE" */
	int backup, restore;
	char backup_file[1024];
};

/*
 * Fill cfg from argv (config file first, when --config is given).  Returns
 * 0, 1 when --help or --version was printed, or SCANN_EINVAL with err naming the key.
 */
int scann_config_parse(int argc, char **argv, struct scann_config *cfg,
		       struct scann_error *err);

void scann_config_usage(void);
void scann_config_version(void);

/*
 * Call fn for each key whose value differs between old and now, saying
 * whether a running scannd takes the new value on SIGHUP.
 */
void scann_config_changes(const struct scann_config *old,
			  const struct scann_config *now,
			  void (*fn)(void *cls, const char *key,
				     int reloadable),
			  void *cls);

#endif
