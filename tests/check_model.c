/*
 * check_model.c -- the small modules around the network: the model file and
 * network JSON round-trip bit for bit, the energy counting rule gives the
 * figures energy.h promises, normalisation is fitted on the given rows only,
 * and events are numbered 1, 2, 3 with their type.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "worker/energy.h"
#include "worker/events.h"
#include "worker/model.h"
#include "worker/normalize.h"
#include "testutil.h"

START_TEST(network_json_round_trips_bit_for_bit)
{
	struct scann_rng rng;
	uint32_t hidden[2] = {5, 3};
	struct scann_net *net, *back;
	json_t *j;
	char *text;

	scann_rng_seed(&rng, 2);
	net = scann_net_new_mlp(4, hidden, 2, 3, SCANN_WIRING_FREE, &rng);
	/* a skip connection and a dormant slot */
	net->mask[scann_net_at(net, 6, 1)] = 1;
	net->w[scann_net_at(net, 6, 1)] = 0.1f / 3.0f;
	net->mask[scann_net_at(net, 0, 0)] = 0;
	net->w[scann_net_at(net, 0, 0)] = 0.0f;
	net->bias[2] = -1.0f / 7.0f;
	scann_net_update(net);
	j = scann_net_to_json(net);
	text = json_dumps(j, 0);	/* through text, as a file would go */
	json_decref(j);
	j = json_loads(text, 0, NULL);
	ck_assert_int_eq(scann_net_from_json(j, &back, NULL), 0);
	ck_assert_uint_eq(back->n_hidden, 8);
	ck_assert_uint_eq(back->depth, net->depth);
	ck_assert_int_eq(back->wiring, SCANN_WIRING_FREE);
	ck_assert(memcmp(back->mask, net->mask, (size_t)11 * 12) == 0);
	ck_assert(memcmp(back->w, net->w, (size_t)11 * 12 * sizeof(float)) == 0);
	ck_assert(memcmp(back->bias, net->bias, 11 * sizeof(float)) == 0);
	ck_assert(memcmp(back->layer, net->layer, 8 * sizeof(uint32_t)) == 0);
	json_decref(j);
	free(text);
	scann_net_free(back);
	scann_net_free(net);
}
END_TEST

START_TEST(network_json_refuses_a_connection_that_is_not_allowed)
{
	struct scann_net *net;
	struct scann_error err;
	json_t *j = json_loads("{\"inputs\":2,\"hidden\":2,\"outputs\":2,"
			       "\"wiring\":\"free\",\"layers\":1,\"layer\":[1,1],"
			       "\"bias\":[0,0,0,0],\"connections\":[[0,3,1.0]]}",
			       0, NULL);

	/* target hidden 0 fed by source 3 = hidden 1: a backward edge */
	ck_assert_int_eq(scann_net_from_json(j, &net, &err), SCANN_EINVAL);
	ck_assert_str_eq(err.field, "network.connections");
	json_decref(j);
}
END_TEST

/* MLP 4-[3]-2 with one input connection pruned: 4*3-1 + 3*2 = 17 MACs. */
START_TEST(energy_follows_the_counting_rule)
{
	struct scann_rng rng;
	uint32_t hidden[1] = {3};
	struct scann_net *net;
	struct scann_cost c;
	struct scann_energy_model m = SCANN_ENERGY_130NM;

	scann_rng_seed(&rng, 3);
	net = scann_net_new_mlp(4, hidden, 1, 2, SCANN_WIRING_LAYERED, &rng);
	net->mask[scann_net_at(net, 0, 0)] = 0;
	net->w[scann_net_at(net, 0, 0)] = 0.0f;
	scann_energy_measure(net, &m, &c);
	ck_assert_uint_eq(c.macs, 17);
	ck_assert_uint_eq(c.flops, 34);
	ck_assert_uint_eq(c.params, 17 + 3 + 2);
	ck_assert_uint_eq(c.sram, 22 + 2 * 3 + 2);
	ck_assert_uint_eq(c.comparisons, 3 + 1);
	ck_assert_double_eq_tol(c.energy_nj,
				(17 * 11.8 + 30 * 34.6 + 4 * 6.16) / 1000.0, 1e-12);
	ck_assert_uint_eq(c.depth, 1);
	ck_assert_uint_eq(c.hidden, 3);
	scann_net_free(net);
}
END_TEST

START_TEST(normalisation_is_fitted_on_the_given_rows_only)
{
	/* 3 rows x 2 features; fit on rows 0 and 2 only */
	float x[6] = {1, 5, 100, 5, 3, 5}, out[6];
	uint32_t rows[2] = {0, 2};
	struct scann_norm nm;

	ck_assert_int_eq(scann_norm_fit(&nm, x, 2, rows, 2), 0);
	scann_norm_apply(&nm, x, 3, out);
	ck_assert_float_eq(out[0], 0.0f);
	ck_assert_float_eq(out[4], 1.0f);
	ck_assert_float_eq(out[2], 49.5f);	/* row 1 did not widen the range */
	ck_assert_float_eq(out[1], 0.0f);	/* constant feature -> 0 */
	scann_norm_free(&nm);
}
END_TEST

START_TEST(events_are_numbered_from_one_with_their_type)
{
	char buf[4096] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	struct scann_events ev = {.out = f};

	scann_events_emit(&ev, "stage", json_pack("{s:s}", "stage", "baseline"));
	scann_events_log(&ev, "info", "hello %d", 3);
	scann_events_emit(&ev, "result", NULL);
	fclose(f);
	ck_assert_str_eq(buf,
			 "{\"seq\":1,\"type\":\"stage\",\"stage\":\"baseline\"}\n"
			 "{\"seq\":2,\"type\":\"log\",\"level\":\"info\",\"message\":\"hello 3\"}\n"
			 "{\"seq\":3,\"type\":\"result\"}\n");
}
END_TEST

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, network_json_round_trips_bit_for_bit);
	tcase_add_test(tc, network_json_refuses_a_connection_that_is_not_allowed);
	tcase_add_test(tc, energy_follows_the_counting_rule);
	tcase_add_test(tc, normalisation_is_fitted_on_the_given_rows_only);
	tcase_add_test(tc, events_are_numbered_from_one_with_their_type);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(model_suite());
}
