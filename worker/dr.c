/*
 * dr.c -- the public face of dimensionality reduction (dr.h): names and
 * validation, the fit dispatcher, the transforms of the linear and sparse
 * shapes, and the JSON codec that carries a fitted transform in a model
 * file.  The methods' own fits live in dr_<method>.c; the landmark
 * methods' transforms beside their fits.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#define BLOCK 256

uint32_t scann_dr_components(uint32_t d, double ratio)
{
	double k = ceil((double)d / ratio - 1e-9);	/* 36/4 is 9, not 10 */

	if (!(k >= 1.0))
		return 1;
	return k > (double)UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

typedef int (*dr_fit_fn)(struct scann_dr *dr, struct scann_dr_fitargs *a,
			 struct scann_error *err);

/* What dr.c needs to know of each method: the rest is in its own file. */
static const struct {
	dr_fit_fn fit;
	int reads_rows, landmark;
} methods[SCANN_DR_METHOD_COUNT] = {
#define DR_ROW(id, name, fit, reads_rows, landmark) \
	[SCANN_DR_##id] = { fit, reads_rows, landmark },
	SCANN_DR_METHODS(DR_ROW)
#undef DR_ROW
};

static int is_landmark(int m)
{
	return methods[m].landmark;
}

int scann_dr_check(int m, uint32_t rows, uint32_t d, uint32_t k,
		   struct scann_error *err)
{
	if (m < 0 || m >= SCANN_DR_METHOD_COUNT)
		return scann_error_set(err, SCANN_EINVAL, "dr.method",
				       "unknown dimensionality-reduction method %d",
				       m);
	if (d == 0)
		return scann_error_set(err, SCANN_EINVAL, "dr.k",
				       "the data have no features to reduce");
	if (k == 0 || k > d)
		return scann_error_set(err, SCANN_EINVAL, "dr.k",
				       "%s cannot make %u components from %u features "
				       "(need 1 to %u)", scann_dr_method_name(m), k, d, d);
	if (rows < 2 || (is_landmark(m) && k + 1 >= rows))
		return scann_error_set(err, SCANN_EINVAL, "dr.k",
				       "%s needs more than %u training rows for %u "
				       "components (got %u)", scann_dr_method_name(m),
				       is_landmark(m) ? k + 1 : 1, k, rows);
	return 0;
}

struct scann_dr *scann_dr__new(enum scann_dr_method m, uint32_t d, uint32_t k,
			       uint64_t seed)
{
	struct scann_dr *dr = calloc(1, sizeof(*dr));

	if (dr != NULL) {
		dr->method = m;
		dr->d = d;
		dr->k = k;
		dr->seed = seed;
	}
	return dr;
}

void scann_dr_free(struct scann_dr *dr)
{
	if (dr == NULL)
		return;
	free(dr->mean);
	free(dr->w);
	free(dr->var);
	free(dr->loadings);
	free(dr->psi);
	free(dr->sp_start);
	free(dr->sp_col);
	free(dr->sp_sign);
	free(dr->anchor);
	free(dr->geo);
	free(dr->coef);
	free(dr->offset);
	free(dr);
}

enum scann_dr_method scann_dr_method(const struct scann_dr *dr)
{
	return dr->method;
}

uint32_t scann_dr_inputs(const struct scann_dr *dr)
{
	return dr->d;
}

uint32_t scann_dr_outputs(const struct scann_dr *dr)
{
	return dr->k;
}

int scann_dr_fit(enum scann_dr_method m, const float *x, uint32_t rows,
		 uint32_t d, uint32_t k, uint64_t seed,
		 const struct scann_dr_options *opt, struct scann_dr **out,
		 float *train_y, struct scann_error *err)
{
	static const struct scann_dr_options defaults;
	struct scann_dr_fitargs a = {0};
	struct scann_dr *dr = NULL;
	double *xd = NULL;
	int rc;

	*out = NULL;
	rc = scann_dr_check((int)m, rows, d, k, err);
	if (rc < 0)
		return rc;
	/* a random projection never looks at the rows: skip the copy */
	xd = methods[m].reads_rows ?
	     scann_dr__to_double(x, (size_t)rows * d) : NULL;
	dr = scann_dr__new(m, d, k, seed);
	if ((xd == NULL && methods[m].reads_rows) || dr == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory for %u x %u training rows",
				     rows, d);
		goto fail;
	}
	for (size_t i = 0; xd != NULL && i < (size_t)rows * d; i++)
		if (!isfinite(xd[i])) {
			rc = scann_error_set(err, SCANN_EINVAL, "dr.input",
					     "training row %zu, feature %zu is not finite",
					     i / d, i % d);
			goto fail;
		}
	a.x = xd;
	a.xf = x;
	a.rows = rows;
	a.opt = opt ? opt : &defaults;
	a.train_y = train_y;
	rc = methods[m].fit(dr, &a, err);
	if (rc < 0)
		goto fail;
	if (train_y != NULL && !a.train_y_done) {
		rc = scann_dr_transform(dr, x, rows, train_y, err);
		if (rc < 0)
			goto fail;
	}
	free(xd);
	*out = dr;
	return 0;
fail:
	free(xd);
	scann_dr_free(dr);
	return rc;
}

/*
 * y[0..k) = sum over the nz nonzero inputs (features f[], values v[]) of
 * v w[f][0..k): sixteen outputs at a time held in registers across all
 * nonzeros, so each nonzero costs four vector loads of W's row per sixteen
 * outputs and nothing goes through memory (GCC's -O2 leaves the plain loop
 * scalar, and then the sparse path was slower than GEMM).
 */
typedef double v4d __attribute__((vector_size(32)));

static void sparse_rows_times_w(double *restrict y, const double *restrict w,
				uint32_t k, const uint32_t *restrict f,
				const double *restrict v, uint32_t nz)
{
	uint32_t c = 0;

	for (; c + 16 <= k; c += 16) {
		v4d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};

		for (uint32_t q = 0; q < nz; q++) {
			const double *wr = w + (size_t)f[q] * k + c;
			v4d vv = {v[q], v[q], v[q], v[q]}, b0, b1, b2, b3;

			memcpy(&b0, wr, sizeof(b0));
			memcpy(&b1, wr + 4, sizeof(b1));
			memcpy(&b2, wr + 8, sizeof(b2));
			memcpy(&b3, wr + 12, sizeof(b3));
			a0 += vv * b0;
			a1 += vv * b1;
			a2 += vv * b2;
			a3 += vv * b3;
		}
		memcpy(y + c, &a0, sizeof(a0));
		memcpy(y + c + 4, &a1, sizeof(a1));
		memcpy(y + c + 8, &a2, sizeof(a2));
		memcpy(y + c + 12, &a3, sizeof(a3));
	}
	for (; c + 4 <= k; c += 4) {
		v4d a0 = {0};

		for (uint32_t q = 0; q < nz; q++) {
			v4d vv = {v[q], v[q], v[q], v[q]}, b0;

			memcpy(&b0, w + (size_t)f[q] * k + c, sizeof(b0));
			a0 += vv * b0;
		}
		memcpy(y + c, &a0, sizeof(a0));
	}
	if (c < k) {	/* the last 1-3 outputs in one pass, independent sums */
		double s0 = 0.0, s1 = 0.0, s2 = 0.0;
		uint32_t r = k - c;

		for (uint32_t q = 0; q < nz; q++) {
			const double *wr = w + (size_t)f[q] * k + c;

			s0 += v[q] * wr[0];
			if (r > 1)
				s1 += v[q] * wr[1];
			if (r > 2)
				s2 += v[q] * wr[2];
		}
		y[c] = s0;
		if (r > 1)
			y[c + 1] = s1;
		if (r > 2)
			y[c + 2] = s2;
	}
}

/*
 * y = (x - mean) W, by blocks of rows.  Without a mean (the dense random
 * projections) a row that is mostly zeros -- dna's one-hot codes are 3/4
 * zeros, MNIST's pixels 4/5 -- is summed over its nonzero features only,
 * a quarter of GEMM's work; the choice depends on the row alone, so a row
 * maps to the same output in training and in predict.
 */
static int transform_linear(const struct scann_dr *dr, const float *x,
			    uint32_t rows, float *out, struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k;
	double *xb = malloc((size_t)BLOCK * d * sizeof(*xb));
	double *yb = malloc((size_t)BLOCK * k * sizeof(*yb));
	uint32_t *at = malloc((size_t)BLOCK * sizeof(*at));
	uint32_t *nzf = malloc((size_t)d * sizeof(*nzf));
	double *nzv = malloc((size_t)d * sizeof(*nzv));
	int rc = 0;

	if (xb == NULL || yb == NULL || at == NULL || nzf == NULL || nzv == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory transforming %u rows", rows);
		goto out;
	}
	for (uint32_t i0 = 0; i0 < rows; i0 += BLOCK) {
		uint32_t nr = rows - i0 < BLOCK ? rows - i0 : BLOCK, nd = 0;

		for (uint32_t i = i0; i < i0 + nr; i++) {
			const float *xi = x + (size_t)i * d;
			uint32_t nz = 0;

			if (dr->mean == NULL) {
				/* branch-free: zeros fall where they like */
				for (uint32_t j = 0; j < d; j++) {
					nzf[nz] = j;
					nzv[nz] = xi[j];
					nz += xi[j] != 0.0f;
				}
				if (2 * nz <= d) {
					double *acc = yb + (size_t)nd * k;

					sparse_rows_times_w(acc, dr->w, k, nzf,
							    nzv, nz);
					for (uint32_t c = 0; c < k; c++)
						out[(size_t)i * k + c] = (float)acc[c];
					continue;
				}
			}
			for (uint32_t j = 0; j < d; j++)
				xb[(size_t)nd * d + j] = (double)xi[j] -
					(dr->mean ? dr->mean[j] : 0.0);
			at[nd++] = i;
		}
		if (nd == 0)
			continue;
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nd,
			    (int)k, (int)d, 1.0, xb, (int)d, dr->w, (int)k, 0.0,
			    yb, (int)k);
		for (uint32_t r = 0; r < nd; r++)
			for (uint32_t c = 0; c < k; c++)
				out[(size_t)at[r] * k + c] = (float)yb[(size_t)r * k + c];
	}
out:
	free(xb);
	free(yb);
	free(at);
	free(nzf);
	free(nzv);
	return rc;
}

/* y = x R with R in CSR by input feature: skips zero inputs (dna is 3/4
 * zeros) and zero entries of R alike. */
static int transform_sparse(const struct scann_dr *dr, const float *x,
			    uint32_t rows, float *out, struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k;
	double *acc = malloc((size_t)k * sizeof(*acc));

	if (acc == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL,
				       "out of memory transforming %u rows", rows);
	for (uint32_t i = 0; i < rows; i++) {
		const float *xi = x + (size_t)i * d;

		memset(acc, 0, k * sizeof(*acc));
		for (uint32_t j = 0; j < d; j++) {
			double v = xi[j];

			if (v == 0.0)
				continue;
			for (uint32_t p = dr->sp_start[j]; p < dr->sp_start[j + 1]; p++)
				acc[dr->sp_col[p]] += dr->sp_sign[p] > 0 ? v : -v;
		}
		for (uint32_t c = 0; c < k; c++)
			out[(size_t)i * k + c] = (float)(acc[c] * dr->sp_scale);
	}
	free(acc);
	return 0;
}

int scann_dr_transform(const struct scann_dr *dr, const float *x,
		       uint32_t rows, float *out, struct scann_error *err)
{
	if (rows == 0)
		return 0;
	if (dr->sp_start != NULL)
		return transform_sparse(dr, x, rows, out, err);
	if (dr->method == SCANN_DR_ISOMAP)
		return scann_dr__transform_isomap(dr, x, rows, out, err);
	if (dr->method == SCANN_DR_SPECTRAL)
		return scann_dr__transform_spectral(dr, x, rows, out, err);
	return transform_linear(dr, x, rows, out, err);
}

/* ---- JSON codec --------------------------------------------------------- */

/*
 * Arrays travel as base64 of their little-endian bytes: exact (a reloaded
 * transform gives bit-identical outputs) and a third the size of decimal
 * text.  Which arrays a method has is implied by the pointers being set.
 */
enum kind { K_F64, K_F32, K_U32, K_I8 };

struct field {
	const char *key;
	size_t off;		/* offsetof the pointer in struct scann_dr */
	enum kind kind;
};

#define F(name, kind) { #name, offsetof(struct scann_dr, name), kind }
static const struct field fields[] = {
	F(mean, K_F64), F(w, K_F64), F(var, K_F64), F(loadings, K_F64),
	F(psi, K_F64),
	F(sp_start, K_U32), F(sp_col, K_U32), F(sp_sign, K_I8),
	F(anchor, K_F64), F(geo, K_F32), F(coef, K_F64), F(offset, K_F64),
};
#undef F

static size_t kind_size(enum kind k)
{
	return k == K_F64 ? 8 : k == K_I8 ? 1 : 4;
}

/* Element count of an array, from the shape fields (all set first). */
static size_t field_count(const struct scann_dr *dr, const char *key)
{
	size_t d = dr->d, k = dr->k, m = dr->m;

	if (strcmp(key, "mean") == 0)
		return d;
	if (strcmp(key, "w") == 0)
		return d * k;
	if (strcmp(key, "var") == 0)
		return k;
	if (strcmp(key, "loadings") == 0)
		return k * d;
	if (strcmp(key, "psi") == 0)
		return d;
	if (strcmp(key, "sp_start") == 0)
		return d + 1;
	if (strcmp(key, "sp_col") == 0 || strcmp(key, "sp_sign") == 0)
		return dr->nnz;
	if (strcmp(key, "anchor") == 0)
		return (dr->method == SCANN_DR_ISOMAP ? dr->n_anchor : m) * d;
	if (strcmp(key, "geo") == 0)
		return (size_t)dr->n_anchor * m;
	if (strcmp(key, "coef") == 0)
		return m * k;
	return m;	/* offset */
}

static int little_endian(void)
{
	const uint16_t one = 1;

	return *(const uint8_t *)&one == 1;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *encode(const void *p, size_t count, size_t size)
{
	size_t n = count * size, o = 0;
	const uint8_t *src = p;
	uint8_t *bytes = malloc(n ? n : 1);
	char *text = malloc(4 * ((n + 2) / 3) + 1);
	json_t *s = NULL;

	if (bytes == NULL || text == NULL)
		goto out;
	for (size_t i = 0; i < count; i++)	/* to little-endian */
		for (size_t b = 0; b < size; b++)
			bytes[i * size + b] = src[i * size +
				(little_endian() ? b : size - 1 - b)];
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)bytes[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)bytes[i + 1] << 8;
		if (i + 2 < n)
			v |= bytes[i + 2];
		text[o++] = b64[(v >> 18) & 63];
		text[o++] = b64[(v >> 12) & 63];
		text[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		text[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	text[o] = '\0';
	s = json_string(text);
out:
	free(bytes);
	free(text);
	return s;
}

/* Decode into a new array of exactly count elements; NULL if malformed. */
static void *decode(const char *text, size_t count, size_t size)
{
	size_t n = count * size, len = strlen(text), o = 0;
	uint8_t *bytes, *dst;
	uint32_t acc = 0;
	int bits = 0;

	if (len != 4 * ((n + 2) / 3))
		return NULL;
	bytes = malloc(n ? n : 1);
	dst = malloc(n ? n : 1);
	if (bytes == NULL || dst == NULL)
		goto bad;
	for (size_t i = 0; i < len && text[i] != '='; i++) {
		const char *c = strchr(b64, text[i]);

		if (c == NULL || text[i] == '\0')
			goto bad;
		acc = (acc << 6) | (uint32_t)(c - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < n)
				bytes[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (o != n)
		goto bad;
	for (size_t i = 0; i < count; i++)
		for (size_t b = 0; b < size; b++)
			dst[i * size + b] = bytes[i * size +
				(little_endian() ? b : size - 1 - b)];
	free(bytes);
	return dst;
bad:
	free(bytes);
	free(dst);
	return NULL;
}

json_t *scann_dr_to_json(const struct scann_dr *dr)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f}",
			      "format", "scann-dr/1",
			      "method", scann_dr_method_name(dr->method),
			      "inputs", (json_int_t)dr->d,
			      "outputs", (json_int_t)dr->k,
			      "seed", "", /* replaced below: u64 as text */
			      "nnz", (json_int_t)dr->nnz,
			      "m", (json_int_t)dr->m,
			      "n_anchor", (json_int_t)dr->n_anchor,
			      "knn", (json_int_t)dr->knn,
			      "sp_scale", dr->sp_scale,
			      "gamma", dr->gamma,
			      "scale", dr->scale);
	char seed[32];

	if (j == NULL)
		return NULL;
	/* JSON integers are int64 in jansson: the seed is a uint64 */
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)dr->seed);
	json_object_set_new(j, "seed", json_string(seed));
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		const void *p = *(void *const *)((const char *)dr + fields[f].off);
		json_t *s;

		if (p == NULL)
			continue;
		s = encode(p, field_count(dr, fields[f].key),
			   kind_size(fields[f].kind));
		if (s == NULL || json_object_set_new(j, fields[f].key, s) < 0) {
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

static int get_u32(const json_t *j, const char *key, uint32_t *out,
		   struct scann_error *err)
{
	json_t *v = json_object_get(j, key);
	json_int_t i = json_integer_value(v);

	if (!json_is_integer(v) || i < 0 || i > (json_int_t)UINT32_MAX)
		return scann_error_set(err, SCANN_EINVAL, key,
				       "\"%s\" must be an unsigned 32-bit integer",
				       key);
	*out = (uint32_t)i;
	return 0;
}

static int get_real(const json_t *j, const char *key, double *out,
		    struct scann_error *err)
{
	json_t *v = json_object_get(j, key);

	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return scann_error_set(err, SCANN_EINVAL, key,
				       "\"%s\" must be a finite number", key);
	*out = json_number_value(v);
	return 0;
}

/*
 * Sizes a model file may claim before any array is decoded: each below
 * 2^28, so no element count (a product of two) can overflow size_t.
 */
static int shape_sane(const struct scann_dr *dr)
{
	const uint32_t cap = UINT32_C(1) << 28;

	return dr->d < cap && dr->k < cap && dr->m < cap &&
	       dr->n_anchor < cap && dr->nnz < cap;
}

int scann_dr_from_json(const json_t *j, struct scann_dr **out,
		       struct scann_error *err)
{
	struct scann_dr *dr = NULL;
	const char *method, *seed;
	uint32_t d, k;
	int m, rc;

	*out = NULL;
	if (!json_is_object(j) ||
	    !json_is_string(json_object_get(j, "format")) ||
	    strcmp(json_string_value(json_object_get(j, "format")),
		   "scann-dr/1") != 0)
		return scann_error_set(err, SCANN_EINVAL, "format",
				       "not a scann-dr/1 transform");
	method = json_string_value(json_object_get(j, "method"));
	m = scann_dr_method_from_name(method);
	if (m < 0)
		return scann_error_set(err, SCANN_EINVAL, "method",
				       "unknown method \"%s\"", method ? method : "");
	seed = json_string_value(json_object_get(j, "seed"));
	if ((rc = get_u32(j, "inputs", &d, err)) < 0 ||
	    (rc = get_u32(j, "outputs", &k, err)) < 0)
		return rc;
	if (seed == NULL || d == 0 || k == 0 || k > d)
		return scann_error_set(err, SCANN_EINVAL, seed ? "outputs" : "seed",
				       "bad shape or seed");
	dr = scann_dr__new((enum scann_dr_method)m, d, k,
			   strtoull(seed, NULL, 10));
	if (dr == NULL)
		return scann_error_set(err, SCANN_ENOMEM, NULL, "out of memory");
	if ((rc = get_u32(j, "nnz", &dr->nnz, err)) < 0 ||
	    (rc = get_u32(j, "m", &dr->m, err)) < 0 ||
	    (rc = get_u32(j, "n_anchor", &dr->n_anchor, err)) < 0 ||
	    (rc = get_u32(j, "knn", &dr->knn, err)) < 0 ||
	    (rc = get_real(j, "sp_scale", &dr->sp_scale, err)) < 0 ||
	    (rc = get_real(j, "gamma", &dr->gamma, err)) < 0 ||
	    (rc = get_real(j, "scale", &dr->scale, err)) < 0)
		goto fail;
	if (!shape_sane(dr)) {
		rc = scann_error_set(err, SCANN_EINVAL, "m",
				     "sizes out of range for a transform");
		goto fail;
	}
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		json_t *v = json_object_get(j, fields[f].key);
		void **slot = (void **)((char *)dr + fields[f].off);

		if (v == NULL)
			continue;
		if (!json_is_string(v) ||
		    (*slot = decode(json_string_value(v),
				    field_count(dr, fields[f].key),
				    kind_size(fields[f].kind))) == NULL) {
			rc = scann_error_set(err, SCANN_EINVAL, fields[f].key,
					     "\"%s\" is not base64 of the expected length",
					     fields[f].key);
			goto fail;
		}
	}
	/* Each shape needs its arrays, and indices must stay in range. */
	if (dr->sp_start != NULL) {
		if (dr->sp_col == NULL || dr->sp_sign == NULL ||
		    dr->sp_start[0] != 0 || dr->sp_start[d] != dr->nnz)
			goto shape;
		for (uint32_t i = 0; i < d; i++)
			if (dr->sp_start[i] > dr->sp_start[i + 1])
				goto shape;
		for (uint32_t p = 0; p < dr->nnz; p++)
			if (dr->sp_col[p] >= k)
				goto shape;
	} else if (m == SCANN_DR_ISOMAP) {
		if (dr->anchor == NULL || dr->geo == NULL || dr->coef == NULL ||
		    dr->offset == NULL || dr->m == 0 || dr->n_anchor < dr->m ||
		    dr->knn == 0 || dr->knn > dr->n_anchor)
			goto shape;
	} else if (m == SCANN_DR_SPECTRAL) {
		if (dr->anchor == NULL || dr->coef == NULL || dr->m == 0)
			goto shape;
	} else if (dr->w == NULL) {
		goto shape;
	}
	*out = dr;
	return 0;
shape:
	rc = scann_error_set(err, SCANN_EINVAL, "method",
			     "the arrays do not fit a %s transform", scann_dr_method_name(m));
fail:
	scann_dr_free(dr);
	return rc;
}
