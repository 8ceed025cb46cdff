/*
 * check_model.c -- the model file and normalisation: network JSON
 * round-trips bit for bit and refuses a connection the wiring does not
 * allow; normalisation is fitted on the given rows only.  (Energy and
 * events have their own files: check_energy.c, check_events.c.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

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

static Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, network_json_round_trips_bit_for_bit);
	tcase_add_test(tc, network_json_refuses_a_connection_that_is_not_allowed);
	tcase_add_test(tc, normalisation_is_fitted_on_the_given_rows_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run(model_suite());
}
