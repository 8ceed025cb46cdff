/*
 * cmd.h -- the shape of a scann-worker subcommand.  run() gets argv with
 * argv[0] the command's name and returns the process exit status:
 * 0 success, 1 the work failed, 2 bad usage or bad input; "run" also
 * returns 143 when stopped by SIGTERM/SIGINT (resumable).
 */
#ifndef SCANN_CMD_H
#define SCANN_CMD_H

struct scann_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

extern const struct scann_cmd scann_cmd_describe;
extern const struct scann_cmd scann_cmd_export;
extern const struct scann_cmd scann_cmd_run;
extern const struct scann_cmd scann_cmd_predict;
extern const struct scann_cmd scann_cmd_split;

#endif
