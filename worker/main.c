/*
 * main.c -- scann-worker, the process that runs one synthesis job, and the
 * command-line face of the engine.  Each subcommand lives in its own
 * worker/cmd_*.c; this file only dispatches and prints usage.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "blas_kernels.h"
#include "cmd.h"

static const struct scann_cmd *const commands[] = {
	&scann_cmd_run,
	&scann_cmd_predict,
	&scann_cmd_export,
	&scann_cmd_split,
	&scann_cmd_describe,
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: scann-worker COMMAND [ARGS...]\n"
		"       scann-worker COMMAND --help\n"
		"\n"
		"Synthesizes compact, accurate neural networks (SCANN, DR+SCANN):\n"
		"trains a baseline MLP, then grows and prunes a general feed-forward\n"
		"network (skip connections allowed, depth follows from the wiring)\n"
		"with scheme A, B or C of the job spec, and reports accuracy,\n"
		"parameters, FLOPs and energy per inference of both.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(to, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(to,
		"\n"
		"Options:\n"
		"  -h, --help     show this help, or a command's with COMMAND --help\n"
		"  -V, --version  show the version\n"
		"\n"
		"Examples:\n"
		"  scann-worker run --out out spec.json > events.ndjson\n"
		"  scann-worker predict out/model.json data.csv\n"
		"  scann-worker export out/model.json --format c --out src\n"
		"  scann-worker split spec.json --out rows\n"
		"\n"
		"Environment: OPENBLAS_NUM_THREADS is overridden by the spec's\n"
		"resources.threads during a run.  OPENBLAS_CORETYPE, when set, is\n"
		"left as it is; when unset and OpenBLAS does not know this CPU, the\n"
		"worker sets it to the best kernels the CPU runs and starts again.\n"
		"\n"
		"Exit status: 0 success, 1 the work failed, 2 bad usage or input;\n"
		"run: 143 stopped by SIGTERM/SIGINT (resume with run --resume DIR).\n");
}

int main(int argc, char **argv)
{
	scann_blas_pick_kernels(argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("scann-worker %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i]->name) == 0)
			return commands[i]->run(argc - 1, argv + 1);
	fprintf(stderr, "scann-worker: unknown command '%s' (try --help)\n", argv[1]);
	return 2;
}
