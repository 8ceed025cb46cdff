/*
 * dr_methods.h -- the one list of dimensionality-reduction methods.  The
 * job spec takes its enum and names from it (spec.h), the engine its fit
 * functions, their declarations and properties (dr_impl.h, dr.c), and
 * scannd the names it serves.  Adding a method is its dr_<name>.c with the
 * fit, its tests/check_dr_<name>.c, one row here, and the two lines of
 * worker/dr.mk that name those files to automake.
 *
 * X(ID, name, fit, reads_rows, landmark):
 *   ID          SCANN_DR_<ID> in enum scann_dr_method
 *   name        in specs, events and model files
 *   fit         its fit function (dr_impl.h); only dr.c expands it
 *   reads_rows  0 for a random projection, which never looks at the rows
 *   landmark    1 for an out-of-sample transform through landmarks, which
 *               needs more training rows than components
 */
#ifndef SCANN_DR_METHODS_H
#define SCANN_DR_METHODS_H

#define SCANN_DR_METHODS(X) \
	X(PCA, "pca", scann_dr__fit_pca, 1, 0) \
	X(FA, "fa", scann_dr__fit_fa, 1, 0) \
	X(ICA, "ica", scann_dr__fit_ica, 1, 0) \
	X(ISOMAP, "isomap", scann_dr__fit_isomap, 1, 1) \
	X(SPECTRAL, "spectral", scann_dr__fit_spectral, 1, 1) \
	X(RP_GAUSSIAN, "rp-gaussian", scann_dr__fit_rp, 0, 0) \
	X(RP_SIGN, "rp-sign", scann_dr__fit_rp, 0, 0) \
	X(RP_SPARSE, "rp-sparse", scann_dr__fit_rp, 0, 0) \
	X(RP_VERY_SPARSE, "rp-very-sparse", scann_dr__fit_rp, 0, 0)

#endif
