/*
 * dr_isomap.c -- landmark Isomap (de Silva and Tenenbaum, "Global versus
 * local methods in nonlinear dimensionality reduction", 2003; "Sparse
 * multidimensional scaling using landmark points", 2004).
 *
 * Fit, on the n training rows only:
 *   1. the symmetric kNN graph (q = 10 neighbours, Euclidean edge lengths),
 *      found by blocked brute force through dgemm (O(n^2 d) time, O(n)
 *      memory per block); components left disconnected are joined by their
 *      shortest Euclidean edge, so every geodesic is finite;
 *   2. m landmarks drawn with the seed (default m = min(n, 500)), and the
 *      geodesics from each landmark to every row by Dijkstra: an n x m
 *      table, the only large object, O(n m) -- never n^2;
 *   3. classical MDS of the m x m squared landmark geodesics: top-k
 *      eigenpairs (lambda_c, v_c) of B = -1/2 H D^2 H;
 *   4. every row by distance-based triangulation:
 *         y_c = -1/2 (delta_x - delta_mean) . v_c / sqrt(lambda_c),
 *      delta_x the row's squared geodesics to the landmarks.
 * Out of sample, a new row x links to its q nearest "anchors" (training
 * rows whose geodesics are kept: all rows when n <= 2048, else a seeded
 * sample of 2048 that includes the landmarks), and its geodesic to
 * landmark l is min_j |x - a_j| + g(a_j, l), then step 4.  For an anchor
 * this is exactly its own geodesic, so transform agrees with the fit on
 * the training rows (tested).  The stored state is anchors x (d + m)
 * numbers: for satellite (4,504 rows) 2048 x 536.
 */
#include "dr_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "job/rng.h"

#define BLOCK 256

struct graph {
	uint32_t n;
	uint32_t *start;	/* n + 1 */
	uint32_t *to;
	double *len;
};

static void graph_free(struct graph *g)
{
	free(g->start);
	free(g->to);
	free(g->len);
	memset(g, 0, sizeof(*g));
}

/*
 * CSR of the kNN lists (nb: n x q) plus their reverse edges and the extra
 * edges (ne of them, pairs in ex/exlen), so the graph is undirected.
 */
static int graph_build(struct graph *g, uint32_t n, uint32_t q,
		       const uint32_t *nb, const double *d2, uint32_t ne,
		       const uint32_t *ex, const double *exlen)
{
	size_t edges = 2 * ((size_t)n * q + ne);
	uint32_t *fill;

	graph_free(g);
	g->n = n;
	g->start = calloc((size_t)n + 1, sizeof(*g->start));
	g->to = malloc(edges * sizeof(*g->to));
	g->len = malloc(edges * sizeof(*g->len));
	fill = calloc(n, sizeof(*fill));
	if (g->start == NULL || g->to == NULL || g->len == NULL || fill == NULL) {
		free(fill);
		return SCANN_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t p = 0; p < q; p++) {
			g->start[i + 1]++;
			g->start[nb[(size_t)i * q + p] + 1]++;
		}
	for (uint32_t e = 0; e < ne; e++) {
		g->start[ex[2 * e] + 1]++;
		g->start[ex[2 * e + 1] + 1]++;
	}
	for (uint32_t i = 0; i < n; i++)
		g->start[i + 1] += g->start[i];
#define ADD(a, b, l) do { \
		size_t at_ = g->start[a] + fill[a]++; \
		g->to[at_] = (b); g->len[at_] = (l); \
	} while (0)
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t p = 0; p < q; p++) {
			uint32_t j = nb[(size_t)i * q + p];
			double l = sqrt(d2[(size_t)i * q + p]);

			ADD(i, j, l);
			ADD(j, i, l);
		}
	for (uint32_t e = 0; e < ne; e++) {
		ADD(ex[2 * e], ex[2 * e + 1], exlen[e]);
		ADD(ex[2 * e + 1], ex[2 * e], exlen[e]);
	}
#undef ADD
	free(fill);
	return 0;
}

/* Component id of every node (BFS); returns the number of components. */
static uint32_t components(const struct graph *g, uint32_t *comp,
			   uint32_t *queue)
{
	uint32_t nc = 0;

	for (uint32_t i = 0; i < g->n; i++)
		comp[i] = UINT32_MAX;
	for (uint32_t s = 0; s < g->n; s++) {
		uint32_t head = 0, tail = 0;

		if (comp[s] != UINT32_MAX)
			continue;
		comp[s] = nc;
		queue[tail++] = s;
		while (head < tail) {
			uint32_t u = queue[head++];

			for (uint32_t p = g->start[u]; p < g->start[u + 1]; p++)
				if (comp[g->to[p]] == UINT32_MAX) {
					comp[g->to[p]] = nc;
					queue[tail++] = g->to[p];
				}
		}
		nc++;
	}
	return nc;
}

/* Binary min-heap of (distance, node) with lazy deletion. */
struct heap {
	double *key;
	uint32_t *node;
	size_t n;
};

static void heap_push(struct heap *h, double k, uint32_t v)
{
	size_t i = h->n++;

	while (i > 0 && h->key[(i - 1) / 2] > k) {
		h->key[i] = h->key[(i - 1) / 2];
		h->node[i] = h->node[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->key[i] = k;
	h->node[i] = v;
}

static void heap_pop(struct heap *h, double *k, uint32_t *v)
{
	double lk = h->key[--h->n];
	uint32_t lv = h->node[h->n];
	size_t i = 0;

	*k = h->key[0];
	*v = h->node[0];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->key[c + 1] < h->key[c])
			c++;
		if (h->key[c] >= lk)
			break;
		h->key[i] = h->key[c];
		h->node[i] = h->node[c];
		i = c;
	}
	h->key[i] = lk;
	h->node[i] = lv;
}

/* Geodesics from src to every node into dist (n). */
static void dijkstra(const struct graph *g, uint32_t src, double *dist,
		     struct heap *h)
{
	for (uint32_t i = 0; i < g->n; i++)
		dist[i] = INFINITY;
	dist[src] = 0.0;
	h->n = 0;
	heap_push(h, 0.0, src);
	while (h->n > 0) {
		double du;
		uint32_t u;

		heap_pop(h, &du, &u);
		if (du > dist[u])
			continue;	/* stale entry */
		for (uint32_t p = g->start[u]; p < g->start[u + 1]; p++) {
			double nd = du + g->len[p];
			uint32_t v = g->to[p];

			if (nd < dist[v]) {
				dist[v] = nd;
				heap_push(h, nd, v);
			}
		}
	}
}

/*
 * Join the graph's components: repeatedly link the smallest component to
 * the nearest row outside it (the shortest Euclidean edge leaving it), as
 * scikit-learn does, until one remains.  Appends to *ex / *exlen.
 */
static int connect(struct graph *g, const double *x, uint32_t d, uint32_t q,
		   const uint32_t *nb, const double *nd2, uint32_t **ex,
		   double **exlen, uint32_t *ne)
{
	uint32_t n = g->n, *comp = malloc(n * sizeof(*comp));
	uint32_t *queue = malloc(n * sizeof(*queue));
	uint32_t *size = NULL;
	int rc = 0;

	if (comp == NULL || queue == NULL) {
		rc = SCANN_ENOMEM;
		goto out;
	}
	for (;;) {
		uint32_t nc = components(g, comp, queue), small = 0;
		uint32_t bu = 0, bv = 0;
		double best = INFINITY;
		uint32_t *e2;
		double *l2;

		if (nc <= 1)
			break;
		free(size);
		size = calloc(nc, sizeof(*size));
		if (size == NULL) {
			rc = SCANN_ENOMEM;
			goto out;
		}
		for (uint32_t i = 0; i < n; i++)
			size[comp[i]]++;
		for (uint32_t c = 1; c < nc; c++)
			if (size[c] < size[small])
				small = c;
		for (uint32_t u = 0; u < n; u++) {
			if (comp[u] != small)
				continue;
			for (uint32_t v = 0; v < n; v++) {
				double s = 0.0;

				if (comp[v] == small)
					continue;
				for (uint32_t j = 0; j < d && s < best; j++) {
					double t = x[(size_t)u * d + j] - x[(size_t)v * d + j];

					s += t * t;
				}
				if (s < best) {
					best = s;
					bu = u;
					bv = v;
				}
			}
		}
		e2 = realloc(*ex, 2 * (*ne + 1) * sizeof(*e2));
		if (e2 != NULL)
			*ex = e2;
		l2 = realloc(*exlen, (*ne + 1) * sizeof(*l2));
		if (l2 != NULL)
			*exlen = l2;
		if (e2 == NULL || l2 == NULL) {
			rc = SCANN_ENOMEM;
			goto out;
		}
		(*ex)[2 * *ne] = bu;
		(*ex)[2 * *ne + 1] = bv;
		(*exlen)[*ne] = sqrt(best);
		(*ne)++;
		rc = graph_build(g, n, q, nb, nd2, *ne, *ex, *exlen);
		if (rc < 0)
			goto out;
	}
out:
	free(comp);
	free(queue);
	free(size);
	return rc;
}

/* y (rows x k) = (delta - offset) coef, delta rows x m squared geodesics. */
static void triangulate(const struct scann_dr *dr, double *delta,
			uint32_t rows, double *y)
{
	for (size_t i = 0; i < rows; i++)
		for (uint32_t l = 0; l < dr->m; l++)
			delta[i * dr->m + l] -= dr->offset[l];
	cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows,
		    (int)dr->k, (int)dr->m, 1.0, delta, (int)dr->m, dr->coef,
		    (int)dr->k, 0.0, y, (int)dr->k);
}

int scann_dr__fit_isomap(struct scann_dr *dr, struct scann_dr_fitargs *a,
			 struct scann_error *err)
{
	uint32_t n = a->rows, d = dr->d, k = dr->k;
	uint32_t q = a->opt->neighbors ? a->opt->neighbors : 10;
	uint32_t m = a->opt->landmarks ? a->opt->landmarks : 500;
	uint32_t na = a->opt->anchors ? a->opt->anchors : 2048;
	uint32_t *nb = NULL, *perm = NULL, *ex = NULL, ne = 0;
	double *nd2 = NULL, *dist = NULL, *b = NULL, *vec = NULL, *val = NULL;
	double *delta = NULL, *yb = NULL, *exlen = NULL;
	float *G = NULL;	/* n x m geodesics */
	struct graph g = {0};
	struct heap h = {0};
	struct scann_rng rng;
	int rc = 0;

	if (q > n - 1)
		q = n - 1;
	if (m > n)
		m = n;
	if (m <= k)
		m = k + 1 <= n ? k + 1 : n;
	if (na > n)
		na = n;
	if (na < m)
		na = m;
	dr->m = m;
	dr->n_anchor = na;
	dr->knn = q;
	nb = malloc((size_t)n * q * sizeof(*nb));
	nd2 = malloc((size_t)n * q * sizeof(*nd2));
	perm = malloc((size_t)n * sizeof(*perm));
	G = malloc((size_t)n * m * sizeof(*G));
	dist = malloc((size_t)n * sizeof(*dist));
	b = malloc((size_t)m * m * sizeof(*b));
	vec = malloc((size_t)m * k * sizeof(*vec));
	val = malloc((size_t)k * sizeof(*val));
	dr->anchor = malloc((size_t)na * d * sizeof(*dr->anchor));
	dr->geo = malloc((size_t)na * m * sizeof(*dr->geo));
	dr->coef = calloc((size_t)m * k, sizeof(*dr->coef));
	dr->offset = malloc((size_t)m * sizeof(*dr->offset));
	if (nb == NULL || nd2 == NULL || perm == NULL || G == NULL ||
	    dist == NULL || b == NULL || vec == NULL || val == NULL ||
	    dr->anchor == NULL || dr->geo == NULL || dr->coef == NULL ||
	    dr->offset == NULL)
		goto nomem;

	/* 1. the graph */
	if (scann_dr__knn(a->x, n, a->x, n, d, q, 1, nb, nd2) < 0 ||
	    graph_build(&g, n, q, nb, nd2, 0, NULL, NULL) < 0 ||
	    connect(&g, a->x, d, q, nb, nd2, &ex, &exlen, &ne) < 0)
		goto nomem;
	h.key = malloc(((size_t)g.start[n] + n + 1) * sizeof(*h.key));
	h.node = malloc(((size_t)g.start[n] + n + 1) * sizeof(*h.node));
	if (h.key == NULL || h.node == NULL)
		goto nomem;

	/* 2. landmarks = perm[0, m), anchors = perm[0, na) */
	for (uint32_t i = 0; i < n; i++)
		perm[i] = i;
	scann_rng_seed(&rng, dr->seed);
	scann_rng_shuffle_u32(&rng, perm, n);
	for (uint32_t l = 0; l < m; l++) {
		dijkstra(&g, perm[l], dist, &h);
		for (uint32_t v = 0; v < n; v++)
			G[(size_t)v * m + l] = (float)dist[v];
	}

	/* 3. classical MDS of the landmarks: B = -1/2 H D2 H */
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < m; j++) {
			double gij = 0.5 * ((double)G[(size_t)perm[i] * m + j] +
					    (double)G[(size_t)perm[j] * m + i]);

			b[(size_t)i * m + j] = gij * gij;
		}
	for (uint32_t j = 0; j < m; j++) {
		double s = 0.0;

		for (uint32_t i = 0; i < m; i++)
			s += b[(size_t)i * m + j];
		dr->offset[j] = s / m;
	}
	{
		double all = 0.0;

		for (uint32_t j = 0; j < m; j++)
			all += dr->offset[j];
		all /= m;
		for (uint32_t i = 0; i < m; i++)
			for (uint32_t j = 0; j < m; j++)
				b[(size_t)i * m + j] = -0.5 * (b[(size_t)i * m + j] -
					dr->offset[i] - dr->offset[j] + all);
	}
	rc = scann_dr__top_eigen(b, m, k, val, vec, err);
	if (rc < 0)
		goto out;
	for (uint32_t c = 0; c < k; c++) {
		/* a direction MDS cannot support (lambda <= 0) stays 0 */
		if (!(val[c] > 1e-12 * fabs(val[0])))
			continue;
		for (uint32_t l = 0; l < m; l++)
			dr->coef[(size_t)l * k + c] =
				-0.5 * vec[(size_t)l * k + c] / sqrt(val[c]);
	}

	/* the stored state: anchors and their geodesics */
	for (uint32_t i = 0; i < na; i++) {
		memcpy(dr->anchor + (size_t)i * d, a->x + (size_t)perm[i] * d,
		       d * sizeof(*dr->anchor));
		memcpy(dr->geo + (size_t)i * m, G + (size_t)perm[i] * m,
		       m * sizeof(*dr->geo));
	}

	/* 4. the training rows' own embedding, from their exact geodesics */
	if (a->train_y != NULL) {
		delta = malloc((size_t)BLOCK * m * sizeof(*delta));
		yb = malloc((size_t)BLOCK * k * sizeof(*yb));
		if (delta == NULL || yb == NULL)
			goto nomem;
		for (uint32_t i0 = 0; i0 < n; i0 += BLOCK) {
			uint32_t nr = n - i0 < BLOCK ? n - i0 : BLOCK;

			for (size_t i = 0; i < (size_t)nr * m; i++) {
				double gv = G[(size_t)i0 * m + i];

				delta[i] = gv * gv;
			}
			triangulate(dr, delta, nr, yb);
			for (size_t i = 0; i < (size_t)nr * k; i++)
				a->train_y[(size_t)i0 * k + i] = (float)yb[i];
		}
		a->train_y_done = 1;
	}
	goto out;
nomem:
	rc = scann_error_set(err, SCANN_ENOMEM, NULL,
			     "out of memory for Isomap of %u rows with %u landmarks",
			     n, m);
out:
	graph_free(&g);
	free(h.key);
	free(h.node);
	free(nb);
	free(nd2);
	free(perm);
	free(G);
	free(dist);
	free(b);
	free(vec);
	free(val);
	free(delta);
	free(yb);
	free(ex);
	free(exlen);
	return rc;
}

int scann_dr__transform_isomap(const struct scann_dr *dr, const float *x,
			       uint32_t rows, float *out,
			       struct scann_error *err)
{
	uint32_t d = dr->d, k = dr->k, m = dr->m, q = dr->knn;
	double *xb = malloc((size_t)BLOCK * d * sizeof(*xb));
	uint32_t *nb = malloc((size_t)BLOCK * q * sizeof(*nb));
	double *nd2 = malloc((size_t)BLOCK * q * sizeof(*nd2));
	double *delta = malloc((size_t)BLOCK * m * sizeof(*delta));
	double *yb = malloc((size_t)BLOCK * k * sizeof(*yb));
	int rc = 0;

	if (xb == NULL || nb == NULL || nd2 == NULL || delta == NULL || yb == NULL) {
		rc = scann_error_set(err, SCANN_ENOMEM, NULL,
				     "out of memory transforming %u rows", rows);
		goto out;
	}
	for (uint32_t i0 = 0; i0 < rows; i0 += BLOCK) {
		uint32_t nr = rows - i0 < BLOCK ? rows - i0 : BLOCK;

		for (size_t i = 0; i < (size_t)nr * d; i++)
			xb[i] = x[(size_t)i0 * d + i];
		if (scann_dr__knn(xb, nr, dr->anchor, dr->n_anchor, d, q, 0, nb,
				  nd2) < 0) {
			rc = scann_error_set(err, SCANN_ENOMEM, NULL,
					     "out of memory transforming %u rows", rows);
			goto out;
		}
		for (uint32_t i = 0; i < nr; i++) {
			double *dl = delta + (size_t)i * m;

			for (uint32_t l = 0; l < m; l++)
				dl[l] = INFINITY;
			for (uint32_t p = 0; p < q; p++) {
				const float *gj = dr->geo + (size_t)nb[(size_t)i * q + p] * m;
				double e = sqrt(nd2[(size_t)i * q + p]);

				for (uint32_t l = 0; l < m; l++) {
					double v = e + (double)gj[l];

					if (v < dl[l])
						dl[l] = v;
				}
			}
			for (uint32_t l = 0; l < m; l++)
				dl[l] *= dl[l];
		}
		triangulate(dr, delta, nr, yb);
		for (size_t i = 0; i < (size_t)nr * k; i++)
			out[(size_t)i0 * k + i] = (float)yb[i];
	}
out:
	free(xb);
	free(nb);
	free(nd2);
	free(delta);
	free(yb);
	return rc;
}
