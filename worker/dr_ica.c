/* dr_ica.c -- placeholder until the method lands. */
#include "dr_impl.h"

int scann_dr__fit_ica(struct scann_dr *dr, struct scann_dr_fitargs *a,
		     struct scann_error *err)
{
	return scann_error_set(err, SCANN_EINTERNAL, "dr.method", "not yet");
}
