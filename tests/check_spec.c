/*
 * check_spec.c -- the job spec validator that scannd and scann-worker share:
 * defaults follow DESIGN.md, every bad field is named, nothing unknown is
 * accepted silently, and a spec printed with its defaults reads back equal.
 */
#include <check.h>

#include "worker/job/spec.h"
#include "testutil.h"

static int parse(const char *text, struct scann_job_spec *spec,
		 struct scann_error *err)
{
	scann_error_clear(err);
	return scann_spec_parse(text, strlen(text), spec, err);
}

START_TEST(only_dataset_is_required_and_defaults_follow_design)
{
	struct scann_job_spec s;
	struct scann_error err;

	ck_assert_int_eq(parse("{\"dataset\": \"satellite\"}", &s, &err), 0);
	ck_assert_str_eq(s.dataset, "satellite");
	ck_assert_int_eq(s.task, SCANN_TASK_SYNTHESIZE);
	ck_assert_int_eq(s.scheme, SCANN_SCHEME_B);
	/* The baseline is picked by validation, the scheme searches for the
	 * target, and epoch budgets come from the row count (0). */
	ck_assert_int_eq(s.baseline.search, 1);
	ck_assert_uint_eq(s.baseline.n_depths, 2);
	ck_assert_uint_eq(s.baseline.n_widths, 3);
	ck_assert_int_eq(s.scann.search, SCANN_SEARCH_TARGET);
	ck_assert_double_eq(s.target.max_drop, 0.0);
	ck_assert_uint_eq(s.target.max_steps, 24);
	ck_assert_uint_eq(s.resources.budget_s, 600);
	ck_assert_int_eq(s.dr.enabled, 0);
	ck_assert_uint_eq(s.scann.iterations, 8);
	ck_assert_double_eq(s.scann.pruning_fraction, 0.9);
	ck_assert_double_eq(s.scann.initial_prune, 0.95);
	ck_assert_uint_eq(s.train.batch, 128);
	ck_assert_uint_eq(s.train.epochs, 0);
	ck_assert_uint_eq(s.train.patience, 0);
	ck_assert_uint_eq(s.scann.epochs_per_step, 0);
	ck_assert_double_eq(s.split.validation, 0.15);
	ck_assert_int_eq(parse("{}", &s, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "dataset");
}
END_TEST

START_TEST(design_example_spec_parses)
{
	struct scann_job_spec s;
	struct scann_error err;
	const char *text =
		"{\"name\": \"satimage study\", \"dataset\": \"satellite\","
		" \"task\": \"study\","
		" \"split\": {\"test_last\": 2000, \"validation\": 0.15, \"seed\": 1},"
		" \"baseline\": {\"hidden\": [256, 128]},"
		" \"dr\": {\"methods\": [\"pca\", \"fa\", \"ica\", \"isomap\", \"spectral\","
		"  \"rp-gaussian\", \"rp-sign\", \"rp-sparse\", \"rp-very-sparse\"],"
		"  \"ratios\": [2, 4, 8], \"max_drop\": 0.01},"
		" \"scheme\": \"B\","
		" \"scann\": {\"iterations\": 8, \"epochs_per_step\": 3,"
		"  \"initial_hidden\": 50, \"max_hidden\": 300, \"neuron_growth\": 5,"
		"  \"growth\": {\"mode\": \"gradient\", \"fraction\": 0.3},"
		"  \"pruning\": {\"fraction\": 0.9}, \"initial_prune\": 0.95},"
		" \"train\": {\"optimizer\": \"adam\", \"lr\": 0.001, \"weight_decay\": 0.0001,"
		"  \"momentum\": 0.9, \"batch\": 128, \"epochs\": 30, \"seed\": 7},"
		" \"resources\": {\"threads\": 1, \"timeout_s\": 3600}}";

	ck_assert_msg(parse(text, &s, &err) == 0, "%s", err.message);
	ck_assert_int_eq(s.task, SCANN_TASK_STUDY);
	ck_assert_uint_eq(s.split.test_last, 2000);
	ck_assert_double_eq(s.split.test, 0);
	ck_assert_uint_eq(s.dr.methods, (1u << SCANN_DR_METHOD_COUNT) - 1);
	ck_assert_uint_eq(s.dr.n_ratios, 3);
	ck_assert_double_eq(s.dr.ratios[2], 8);
	/* The paper's fields ask for its recipe. */
	ck_assert_int_eq(s.scann.search, SCANN_SEARCH_RECIPE);
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"dr\": {\"methods\": [\"fa\", \"ica\"],"
			       " \"ratios\": [3, 5], \"max_drop\": 0.05}}", &s, &err), 0);
	ck_assert_uint_eq(s.dr.methods, (1u << SCANN_DR_FA) | (1u << SCANN_DR_ICA));
	ck_assert_uint_eq(s.dr.n_ratios, 2);
	ck_assert_double_eq(s.dr.ratios[1], 5);
	ck_assert_double_eq(s.dr.max_drop, 0.05);
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"dr\": {\"ratios\": [1.5, 2.25]}}",
			       &s, &err), 0);
	ck_assert_double_eq(s.dr.ratios[0], 1.5);
	ck_assert_double_eq(s.dr.ratios[1], 2.25);
}
END_TEST

START_TEST(printed_spec_reads_back_equal)
{
	struct scann_job_spec a, b;
	struct scann_error err;
	json_t *j;
	char *text;

	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"scheme\": \"C\","
			       " \"baseline\": {\"search\": {\"depths\": [1, 2],"
			       " \"widths\": [32, 64]}},"
			       " \"dr\": {\"methods\": [\"isomap\", \"pca\"]},"
			       " \"scann\": {\"pruning\": {\"keep\": 500}},"
			       " \"train\": {\"optimizer\": \"sgd\", \"schedule\": \"cosine\","
			       " \"seed\": 9007199254740991}}", &a, &err), 0);
	j = scann_spec_to_json(&a);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_msg(parse(text, &b, &err) == 0, "%s: %s", text, err.message);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	/* Scheme C grows fully unless told otherwise (dense-sparse-dense). */
	ck_assert_int_eq(b.scann.growth_mode, SCANN_GROWTH_FULL);
	ck_assert_uint_eq(b.train.seed, 9007199254740991ull);
	free(text);
	json_decref(j);
}
END_TEST

/* text must fail with err.field == field and the message containing needle. */
static void expect_bad(const char *text, const char *field, const char *needle)
{
	struct scann_job_spec s;
	struct scann_error err;

	ck_assert_msg(parse(text, &s, &err) == SCANN_EINVAL, "accepted: %s", text);
	ck_assert_msg(strcmp(err.field, field) == 0, "%s: field '%s', want '%s' (%s)",
		      text, err.field, field, err.message);
	ck_assert_msg(strstr(err.message, needle) != NULL, "%s: '%s' not in '%s'",
		      text, needle, err.message);
}

START_TEST(bad_fields_are_named)
{
	expect_bad("{\"dataset\": \"d\", \"epocs\": 3}", "epocs", "unknown field");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"epocs\": 3}}", "train.epocs",
		   "unknown field \"epocs\" in train");
	expect_bad("{\"dataset\": 5}", "dataset", "must be a string");
	expect_bad("{\"dataset\": \"\"}", "dataset", "is empty");
	expect_bad("{\"dataset\": \"d\", \"scheme\": \"D\"}", "scheme", "\"A\", \"B\", \"C\"");
	expect_bad("{\"dataset\": \"d\", \"task\": 1}", "task", "not an integer");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"lr\": -0.1}}", "train.lr",
		   "must be in (0");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"lr\": 0}}", "train.lr", "got 0");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"lr\": \"fast\"}}", "train.lr",
		   "must be a number");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"batch\": 12.5}}", "train.batch",
		   "must be an integer");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"epochs\": 1000000000000}}",
		   "train.epochs", "got 1000000000000");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"pruning\": {\"fraction\": -0.5}}}",
		   "scann.pruning.fraction", "must be in [0");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"pruning\": {\"fraction\": 0.5,"
		   " \"keep\": 10}}}", "scann.pruning", "exactly one");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"search\": \"target\","
		   " \"pruning\": {\"keep\": 10}}}", "scann.pruning",
		   "applies to scann.search \"recipe\"");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"search\": \"greedy\"}}",
		   "scann.search", "must be one of");
	expect_bad("{\"dataset\": \"d\", \"target\": {\"max_drop\": 1.5}}",
		   "target.max_drop", "must be in");
	expect_bad("{\"dataset\": \"d\", \"target\": {\"drop\": 0.1}}",
		   "target.drop", "unknown field");
	expect_bad("{\"dataset\": \"d\", \"resources\": {\"budget_s\": 0}}",
		   "resources.budget_s", "must be in");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"growth\": {\"fraction\": 1.5}}}",
		   "scann.growth.fraction", "got 1.5");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"growth\": {\"mode\": \"full\","
		   " \"fraction\": 0.5}}}", "scann.growth.fraction", "only to");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"initial_hidden\": 400}}",
		   "scann.max_hidden", "below");
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"methods\": [\"pca\", \"tsne\"]}}",
		   "dr.methods[1]", "got \"tsne\"");
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"methods\": [\"pca\", \"pca\"]}}",
		   "dr.methods[1]", "listed twice");
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"ratios\": [2, 0]}}", "dr.ratios[1]",
		   "must be in [1");
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"ratios\": [4, 2]}}", "dr.ratios[1]",
		   "rise strictly");
	/* Methods listed first must not hide the fields after them. */
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"methods\": [\"pca\"], \"ratios\": [2, 0]}}",
		   "dr.ratios[1]", "must be in [1");
	expect_bad("{\"dataset\": \"d\", \"dr\": {\"methods\": [\"pca\"], \"max_drop\": 2}}",
		   "dr.max_drop", "got 2");
	expect_bad("{\"dataset\": \"d\", \"dr\": []}", "dr", "object or null");
	expect_bad("{\"dataset\": \"d\", \"task\": \"study\", \"dr\": null}", "dr",
		   "cannot be null");
	expect_bad("{\"dataset\": \"d\", \"baseline\": {}}", "baseline", "exactly one");
	expect_bad("{\"dataset\": \"d\", \"baseline\": {\"hidden\": [4], \"colour\": 1}}",
		   "baseline.colour", "unknown field \"colour\" in baseline");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"growth\": {\"kind\": 1}}}",
		   "scann.growth.kind", "unknown field \"kind\" in scann.growth");
	/* issue 16: [8192, 8192] took 6.7 GB; the total is capped. */
	expect_bad("{\"dataset\": \"d\", \"baseline\": {\"hidden\": [8192, 8192]}}",
		   "baseline.hidden", "16384 hidden neurons");
	expect_bad("{\"dataset\": \"d\", \"baseline\": {\"search\": "
		   "{\"depths\": [1, 3], \"widths\": [64, 4096]}}}",
		   "baseline.search.widths", "12288 hidden neurons");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"max_hidden\": 9000}}",
		   "scann.max_hidden", "8192 hidden neurons in all");
	expect_bad("{\"dataset\": \"d\", \"baseline\": {\"hidden\": [256, 0]}}",
		   "baseline.hidden[1]", "must be in [1");
	expect_bad("{\"dataset\": \"d\", \"baseline\": {\"hidden\": [1,2,3,4,5,6,7,8,9]}}",
		   "baseline.hidden", "1 to 8 values");
	expect_bad("{\"dataset\": \"d\", \"split\": {\"validation\": 0.5, \"test\": 0.5}}",
		   "split.validation", "too few training rows");
	expect_bad("{\"dataset\": \"d\", \"split\": {\"test\": 0.1, \"test_last\": 10}}",
		   "split.test", "give one");
	expect_bad("{\"dataset\": \"d\", \"resources\": {\"threads\": 0}}",
		   "resources.threads", "must be in [1, 256]");
	expect_bad("{\"dataset\": \"d\\u0001\"}", "dataset", "control character");
	expect_bad("[1, 2]", "", "must be an object");
}
END_TEST

/* issue 13: "front" as a preset (the API's form) or a list of layers. */
START_TEST(front_preset_and_layers_read_back_equal)
{
	static const char *const specs[] = {
		"{\"dataset\": \"d\", \"front\": {\"preset\": \"lenet5\"}}",
		"{\"dataset\": \"d\", \"front\": {\"layers\": ["
		"{\"type\": \"conv\", \"maps\": 6, \"kernel\": 3},"
		" {\"type\": \"relu\"}, {\"type\": \"pool\"}],"
		" \"input\": [1, 8, 8]}}",
	};
	struct scann_job_spec a, b;
	struct scann_error err;

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		json_t *j;
		char *text;

		ck_assert_msg(parse(specs[i], &a, &err) == 0, "%s: %s", specs[i],
			      err.message);
		ck_assert(a.front.enabled);
		j = scann_spec_to_json(&a);
		text = json_dumps(j, JSON_COMPACT);
		ck_assert_msg(parse(text, &b, &err) == 0, "%s: %s", text, err.message);
		ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
		free(text);
		json_decref(j);
	}
	/* the preset is LeNet-5's front: 20 5x5 maps, pool, 50 5x5, pool */
	ck_assert_int_eq(parse(specs[0], &a, &err), 0);
	ck_assert_int_eq(a.front.preset, SCANN_FRONT_PRESET_LENET5);
	ck_assert_uint_eq(a.front.n_layers, 4);
	ck_assert_uint_eq(a.front.layers[2].maps, 50);
	ck_assert_uint_eq(scann_front_outputs(&a.front, 1, 28, 28, &err), 800);
	/* a 3x3 conv, relu, pool over 8x8: 6 maps of 3x3 */
	ck_assert_int_eq(parse(specs[1], &a, &err), 0);
	ck_assert_int_eq(a.front.preset, -1);
	ck_assert_uint_eq(a.front.channels * a.front.height * a.front.width, 64);
	ck_assert_uint_eq(scann_front_outputs(&a.front, 1, 8, 8, &err), 54);
	/* no front by default, and none printed */
	ck_assert_int_eq(parse("{\"dataset\": \"d\"}", &a, &err), 0);
	ck_assert(!a.front.enabled);
	{
		json_t *j = scann_spec_to_json(&a);

		ck_assert_ptr_null(json_object_get(j, "front"));
		json_decref(j);
	}
}
END_TEST

/* The paper's schemes on LeNet-5 as presets; the spec's fields win. */
START_TEST(job_presets_fill_the_papers_settings)
{
	struct scann_job_spec a, b;
	struct scann_error err;
	json_t *j;
	char *text;

	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"preset\": \"lenet5-a\"}",
			       &a, &err), 0);
	ck_assert_int_eq(a.scheme, SCANN_SCHEME_A);
	ck_assert(a.front.enabled);
	ck_assert_uint_eq(a.scann.initial_hidden, 300);
	ck_assert_uint_eq(a.scann.max_hidden, 500);
	ck_assert_uint_eq(a.scann.neuron_growth, 5);
	ck_assert_double_eq(a.scann.growth_fraction, 0.35);
	ck_assert_double_eq(a.scann.pruning_fraction, 0.25);
	ck_assert_double_eq(a.scann.prune_first, 0.95);
	j = scann_spec_to_json(&a);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_msg(parse(text, &b, &err) == 0, "%s: %s", text, err.message);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	free(text);
	json_decref(j);
	ck_assert_int_eq(a.train.optimizer, SCANN_OPT_SGD);
	ck_assert_double_eq(a.train.lr, 0.03);
	ck_assert_uint_eq(a.train.batch, 64);
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"preset\": \"lenet5-b\"}",
			       &a, &err), 0);
	ck_assert_int_eq(a.scheme, SCANN_SCHEME_B);
	ck_assert_uint_eq(a.baseline.hidden[0], 400);
	ck_assert_uint_eq(a.scann.pruning_keep, 19300);
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"preset\": \"lenet5-c\","
			       " \"train\": {\"epochs\": 3}, \"scann\": {\"pruning\":"
			       " {\"keep\": 9000}}}", &a, &err), 0);
	ck_assert_int_eq(a.scheme, SCANN_SCHEME_C);
	ck_assert_int_eq(a.scann.growth_mode, SCANN_GROWTH_FULL);
	ck_assert_int_eq(a.scann.search, SCANN_SEARCH_RECIPE);
	ck_assert_uint_eq(a.scann.pruning_keep, 9000);	/* the spec's own */
	ck_assert_uint_eq(a.train.epochs, 3);
	ck_assert_double_eq(a.train.lr, 0.03);		/* the preset's */
	/* printed in full, it reads back the same without the preset */
	j = scann_spec_to_json(&a);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_msg(parse(text, &b, &err) == 0, "%s: %s", text, err.message);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	free(text);
	json_decref(j);
	/* magnitude pruning: the recipe without growth */
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"preset\": \"lenet5-c\","
			       " \"scann\": {\"growth\": {\"mode\": \"none\"}}}", &a,
			       &err), 0);
	ck_assert_int_eq(a.scann.growth_mode, SCANN_GROWTH_NONE);
	j = scann_spec_to_json(&a);
	text = json_dumps(j, JSON_COMPACT);
	ck_assert_msg(parse(text, &b, &err) == 0, "%s: %s", text, err.message);
	ck_assert_int_eq(memcmp(&a, &b, sizeof(a)), 0);
	free(text);
	json_decref(j);
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"growth\": {\"mode\": \"none\"}}}",
		   "scann.growth.mode", "applies to scann.search \"recipe\"");
	expect_bad("{\"dataset\": \"d\", \"preset\": \"lenet5-c\", \"scann\":"
		   " {\"growth\": {\"mode\": \"none\", \"fraction\": 0.1}}}",
		   "scann.growth.fraction", "none grows nothing");
	expect_bad("{\"dataset\": \"d\", \"scann\": {\"search\": \"target\","
		   " \"prune_first\": 0.5}}", "scann.prune_first",
		   "applies to scann.search \"recipe\"");
	expect_bad("{\"dataset\": \"d\", \"preset\": \"lenet5-d\"}", "preset",
		   "\"lenet5-a\", \"lenet5-b\", \"lenet5-c\"");
}
END_TEST

START_TEST(bad_fronts_are_named)
{
	expect_bad("{\"dataset\": \"d\", \"front\": {\"preset\": \"vgg\"}}",
		   "front.preset", "\"lenet5\"");
	expect_bad("{\"dataset\": \"d\", \"front\": {}}", "front", "exactly one");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"preset\": \"lenet5\","
		   " \"layers\": []}}", "front", "exactly one");
	expect_bad("{\"dataset\": \"d\", \"front\": 5}", "front", "null or an object");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"layers\": []}}",
		   "front.layers", "1 to 16 layers");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"layers\": [{\"type\": \"pool\"},"
		   " {\"type\": \"dense\"}]}}", "front.layers[1].type", "got \"dense\"");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"layers\": [{\"type\": \"conv\","
		   " \"maps\": 0, \"kernel\": 5}]}}", "front.layers[0].maps", "must be in [1");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"layers\": [{\"type\": \"conv\","
		   " \"maps\": 4}]}}", "front.layers[0]", "needs \"maps\"");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"layers\": [{\"type\": \"pool\","
		   " \"size\": 3}]}}", "front.layers[0].size", "unknown field");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"preset\": \"lenet5\","
		   " \"input\": [1, 28]}}", "front.input", "[channels, height, width]");
	/* 12x12: conv 5 -> 8, pool -> 4, conv 5 does not fit */
	expect_bad("{\"dataset\": \"d\", \"front\": {\"preset\": \"lenet5\","
		   " \"input\": [1, 12, 12]}}", "front.layers[2]", "does not fit");
	expect_bad("{\"dataset\": \"d\", \"front\": {\"preset\": \"lenet5\"},"
		   " \"dr\": {}}", "front", "cannot be combined");
}
END_TEST

START_TEST(json_syntax_errors_give_line_and_column)
{
	expect_bad("{\"dataset\": \"d\",\n \"scheme\": }", "", "line 2, column");
	expect_bad("{\"dataset\": \"d\", \"dataset\": \"e\"}", "", "duplicate");
	expect_bad("{\"dataset\": \"d\", \"train\": {\"lr\": 1e999}}", "", "not valid JSON");
	expect_bad("", "", "not valid JSON");
}
END_TEST

START_TEST(a_network_at_the_size_cap_is_accepted)
{
	struct scann_job_spec s;
	struct scann_error err;

	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"baseline\": "
			       "{\"hidden\": [4096, 4096]}}", &s, &err), 0);
	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"scann\": "
			       "{\"max_hidden\": 8192}}", &s, &err), 0);
}
END_TEST

START_TEST(study_turns_dr_on_by_default)
{
	struct scann_job_spec s;
	struct scann_error err;

	ck_assert_int_eq(parse("{\"dataset\": \"d\", \"task\": \"study\"}", &s, &err), 0);
	ck_assert_int_eq(s.dr.enabled, 1);
	ck_assert_uint_eq(s.dr.n_ratios, 5);
	ck_assert_double_eq(s.dr.ratios[0], 1.5);
	ck_assert_int_eq(scann_dr_method_from_name("rp-very-sparse"),
			 SCANN_DR_RP_VERY_SPARSE);
	ck_assert_int_eq(scann_dr_method_from_name("nope"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("spec");

	tcase_add_test(tc, only_dataset_is_required_and_defaults_follow_design);
	tcase_add_test(tc, design_example_spec_parses);
	tcase_add_test(tc, printed_spec_reads_back_equal);
	tcase_add_test(tc, bad_fields_are_named);
	tcase_add_test(tc, front_preset_and_layers_read_back_equal);
	tcase_add_test(tc, bad_fronts_are_named);
	tcase_add_test(tc, job_presets_fill_the_papers_settings);
	tcase_add_test(tc, json_syntax_errors_give_line_and_column);
	tcase_add_test(tc, study_turns_dr_on_by_default);
	tcase_add_test(tc, a_network_at_the_size_cap_is_accepted);
	suite_add_tcase(s, tc);
	return test_run(s);
}
