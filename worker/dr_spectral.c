/* dr_spectral.c -- placeholder until the method lands. */
#include "dr_impl.h"

int scann_dr__fit_spectral(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	return scann_error_set(err, SCANN_EINTERNAL, "dr.method", "not yet");
}
int scann_dr__transform_spectral(const struct scann_dr *dr, const float *x,
				 uint32_t rows, float *out,
				 struct scann_error *err)
{
	return scann_error_set(err, SCANN_EINTERNAL, "dr.method", "not yet");
}
