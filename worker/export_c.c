/*
 * export_c.c -- writes an export plan (export.h) as a C99 pair, NAME.h and
 * NAME.c, for any firmware: no allocation, no libm, no mutable globals,
 * every constant `static const`, CSR levels stored as CSR, the activations
 * on the stack of NAME_predict.  The code is a transcription of the
 * plan's evaluators (scann_export_eval, scann_export_int8_eval), loop for
 * loop, so the float code sums in the engine's order and the int8 code
 * computes exactly what the exporter measured.
 *
 * Sizes: indices take the narrowest unsigned type that holds them, and
 * scann_export_c_size counts what the file declares, so the header's
 * flash and RAM figures are the arrays' (code size is the compiler's: see
 * tests/export/cortex-m.sh).  Pointers are counted as 4 bytes (32-bit
 * microcontrollers).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export.h"

/* The narrowest of uint8/16/32 that holds max, in bytes and by name. */
unsigned scann_export_idx_bytes(uint64_t max)
{
	return max <= 0xff ? 1 : max <= 0xffff ? 2 : 4;
}

static const char *idx_type(uint64_t max)
{
	return max <= 0xff ? "uint8_t" : max <= 0xffff ? "uint16_t" : "uint32_t";
}

/* The largest value a layer's CSR columns hold (positions, or DR inputs). */
static uint64_t col_max(const struct scann_export_layer *L)
{
	return L->hi;
}

static size_t layer_flash(const struct scann_export_layer *L, int int8)
{
	size_t n = 0;

	if (L->nnz > 0) {
		n += L->nnz * (int8 || L->dr_signs ? 1 : 4);
		if (L->sparse)
			n += L->nnz * scann_export_idx_bytes(col_max(L)) +
				(L->count + 1) * scann_export_idx_bytes(L->nnz);
	}
	if (L->dr && !L->dr_signs && !int8)
		n += L->count * 8;	/* the folded constant, double */
	else if (!L->dr || int8)
		n += L->count * 4;
	return n;
}

/* A front layer's constants: a convolution's weights, tap offsets and
 * pointers when stored as taps, biases; pools and ReLUs have none. */
static size_t front_flash(const struct scann_export_front *F, int int8)
{
	if (F->kind != SCANN_FRONT_CONV)
		return 0;
	return F->nnz * (int8 ? 1 : 4) + (size_t)F->oc * 4 +
		(F->sparse ? F->nnz * scann_export_idx_bytes(F->off_max) +
		 (F->oc + 1) * scann_export_idx_bytes(F->nnz) : 0);
}

void scann_export_c_size(const struct scann_export_plan *p,
			 enum scann_export_format f,
			 const struct scann_export_about *a, size_t *flash,
			 size_t *ram)
{
	int int8 = f == SCANN_EXPORT_C_INT8;
	uint32_t kept = p->n_pos - p->n_out;	/* outputs go to scores */
	size_t fl = (size_t)p->features * 8;	/* min, range */

	if (p->dr)
		fl += layer_flash(p->dr, int8);
	for (uint32_t i = 0; i < p->n_front; i++)
		fl += front_flash(&p->front[i], int8);
	for (uint32_t l = 0; l < p->n_levels; l++)
		fl += layer_flash(&p->lv[l], int8);
	for (uint32_t o = 0; o < p->n_out; o++)
		fl += 4 + strlen(a->class_names[o]) + 1;
	*flash = fl;
	if (p->n_front)	/* the arena holds every buffer */
		*ram = (size_t)p->arena * (int8 ? 1 : 4);
	else
		*ram = (size_t)kept * (int8 ? 1 : 4) +
			(p->dr ? (size_t)p->features * (int8 ? 1 : 4) : 0);
}

/* A float as a C literal that reads back to the same float. */
static void put_float(FILE *f, float v)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.9g", (double)v);
	if (!strpbrk(buf, ".en"))
		strcat(buf, ".0");
	fprintf(f, "%sf", buf);
}

static void put_double(FILE *f, double v)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.17g", v);
	if (!strpbrk(buf, ".en"))
		strcat(buf, ".0");
	fputs(buf, f);
}

/* "static const TYPE NAME_TAG[n] = {...};", eight values a line. */
enum kind { K_FLOAT, K_DOUBLE, K_I8, K_U32 };

static void put_array(FILE *f, const char *type, const char *name,
		      const char *tag, enum kind k, const void *v, size_t n)
{
	fprintf(f, "static const %s %s_%s[%zu] = {", type, name, tag, n);
	for (size_t i = 0; i < n; i++) {
		fputs(i % 8 ? " " : "\n\t", f);
		if (k == K_FLOAT)
			put_float(f, ((const float *)v)[i]);
		else if (k == K_DOUBLE)
			put_double(f, ((const double *)v)[i]);
		else if (k == K_I8)
			fprintf(f, "%d", ((const int8_t *)v)[i]);
		else
			fprintf(f, "%u", ((const uint32_t *)v)[i]);
		if (i + 1 < n)
			fputc(',', f);
	}
	fputs("\n};\n\n", f);
}

/* A layer's constants: weights, CSR indices, bias (tag: "dr", "l3"). */
static void put_layer_data(FILE *f, const char *name, const char *tag,
			   const struct scann_export_layer *L, int int8)
{
	char t[64];

	if (L->nnz > 0) {
		snprintf(t, sizeof(t), "%s_w", tag);
		if (int8)
			put_array(f, "int8_t", name, t, K_I8, L->qw, L->nnz);
		else if (L->dr_signs) {
			fprintf(f, "static const int8_t %s_%s[%zu] = {", name, t,
				L->nnz);
			for (size_t i = 0; i < L->nnz; i++)
				fprintf(f, "%s%d%s", i % 16 ? " " : "\n\t",
					L->w[i] > 0.0f ? 1 : -1,
					i + 1 < L->nnz ? "," : "");
			fputs("\n};\n\n", f);
		} else
			put_array(f, "float", name, t, K_FLOAT, L->w, L->nnz);
		if (L->sparse) {
			snprintf(t, sizeof(t), "%s_col", tag);
			put_array(f, idx_type(col_max(L)), name, t, K_U32, L->col,
				  L->nnz);
			snprintf(t, sizeof(t), "%s_ptr", tag);
			put_array(f, idx_type(L->nnz), name, t, K_U32, L->rowptr,
				  L->count + 1);
		}
	}
	snprintf(t, sizeof(t), "%s_b", tag);
	if (L->dr && L->dr_signs && !int8)
		return;	/* no constant: y = scale * sum of +-xn */
	if (L->dr && !int8)
		put_array(f, "double", name, t, K_DOUBLE, L->dr_c, L->count);
	else
		put_array(f, "float", name, t, K_FLOAT, L->b, L->count);
}

/*
 * The loop of one layer.  in/out name the buffers; last: the output
 * level, whose values go to scores[] and not through ReLU.
 */
static void put_layer_code(FILE *f, const char *name, const char *tag,
			   const struct scann_export_layer *L, int int8,
			   const char *in, const char *out, int last)
{
	uint32_t K = L->hi - L->lo;
	const char *wcast = int8 ? "(int32_t)" : L->dr ? "(double)" : "";

	fprintf(f, "\t/* %s: %u outputs from [%u, %u), %s%s */\n", tag,
		L->count, L->lo, L->hi,
		L->sparse ? "CSR" : "dense", L->relu ? ", ReLU" : "");
	fprintf(f, "\tfor (i = 0; i < %uu; i++) {\n", L->count);
	if (L->dr && L->dr_signs && !int8) {
		fprintf(f, "\t\tdouble s = 0.0;\n\n");
		fprintf(f, "\t\tfor (q = %s_%s_ptr[i]; q < %s_%s_ptr[i + 1]; q++)\n"
			"\t\t\ts += %s_%s_w[q] > 0 ? (double)%s[%s_%s_col[q]] :\n"
			"\t\t\t\t-(double)%s[%s_%s_col[q]];\n",
			name, tag, name, tag, name, tag, in, name, tag, in, name, tag);
		fprintf(f, "\t\t%s[%u + i] = (float)(s * ", out, L->first);
		put_double(f, L->dr_scale);
		fprintf(f, ");\n\t}\n");
		return;
	}
	if (int8)
		fprintf(f, "\t\tint32_t s = 0;\n\t\tfloat z;\n\n");
	else if (L->dr)
		fprintf(f, "\t\tdouble s = 0.0;\n\n");
	else if (L->sparse)
		fprintf(f, "\t\tfloat s = %s_%s_b[i];\n\n", name, tag);
	else
		fprintf(f, "\t\tfloat s = 0.0f;\n\n");
	if (L->nnz > 0 && L->sparse)
		fprintf(f, "\t\tfor (q = %s_%s_ptr[i]; q < %s_%s_ptr[i + 1]; q++)\n"
			"\t\t\ts += %s%s_%s_w[q] * %s[%s_%s_col[q]];\n",
			name, tag, name, tag, wcast, name, tag, in, name, tag);
	else if (L->nnz > 0)
		fprintf(f, "\t\tfor (j = 0; j < %uu; j++)\n"
			"\t\t\ts += %s%s_%s_w[i * %uu + j] * %s[%uu + j];\n",
			K, wcast, name, tag, K, in, L->lo);
	if (int8) {
		fputs("\t\tz = (float)s * ", f);
		put_float(f, L->wscale);
		fprintf(f, " + %s_%s_b[i];\n", name, tag);
		if (last) {
			fputs("\t\tscores[i] = z;\n\t}\n", f);
			return;
		}
		if (L->relu)
			fputs("\t\tif (!(z > 0.0f))\n\t\t\tz = 0.0f;\n", f);
		fprintf(f, "\t\t%s[%u + i] = %s_q(z * ", out, L->first, name);
		put_float(f, L->oinv);
		fputs(");\n\t}\n", f);
		return;
	}
	if (L->dr) {
		fprintf(f, "\t\t%s[%u + i] = (float)(s + %s_%s_b[i]);\n\t}\n",
			out, L->first, name, tag);
		return;
	}
	if (!L->sparse)
		fprintf(f, "\t\ts += %s_%s_b[i];\n", name, tag);
	if (last)
		fputs("\t\tscores[i] = s;\n\t}\n", f);
	else
		fprintf(f, "\t\t%s[%u + i] = s > 0.0f ? s : 0.0f;\n\t}\n", out,
			L->first);
}

/* A front layer's constants (tag "f0", ...). */
static void put_front_data(FILE *f, const char *name, const char *tag,
			   const struct scann_export_front *F, int int8)
{
	char t[64];

	if (F->kind != SCANN_FRONT_CONV)
		return;
	snprintf(t, sizeof(t), "%s_w", tag);
	if (int8)
		put_array(f, "int8_t", name, t, K_I8, F->qw, F->nnz);
	else
		put_array(f, "float", name, t, K_FLOAT, F->kern, F->nnz);
	if (F->sparse) {
		snprintf(t, sizeof(t), "%s_off", tag);
		put_array(f, idx_type(F->off_max), name, t, K_U32, F->off, F->nnz);
		snprintf(t, sizeof(t), "%s_ptr", tag);
		put_array(f, idx_type(F->nnz), name, t, K_U32, F->ptr, F->oc + 1);
	}
	snprintf(t, sizeof(t), "%s_b", tag);
	put_array(f, "float", name, t, K_FLOAT, F->bias, F->oc);
}

/* One line naming a front layer, for the header and the code. */
static void put_front_line(FILE *f, const struct scann_export_front *F)
{
	fprintf(f, "%s %ux%ux%u -> %ux%ux%u", scann_front_kind_name(F->kind),
		F->c, F->h, F->w, F->oc, F->oh, F->ow);
	if (F->kind == SCANN_FRONT_CONV)
		fprintf(f, ", %ux%u kernels, %zu of %zu weights, %s", F->k,
			F->k, F->active, (size_t)F->oc * F->c * F->k * F->k,
			F->sparse ? "stored as taps" : "dense");
	else
		fputs(F->backward ? ", in place (last value first)" :
		      ", in place", f);
}

/* An int8 convolution: a whole int32 sum per output, as
 * scann_export_front_int8_eval. */
static void put_front_conv_int8(FILE *f, const char *name, const char *tag,
				const struct scann_export_front *F)
{
	fprintf(f, "\tfor (i = 0; i < %uu; i++)\n"
		"\t\tfor (y = 0; y < %uu; y++)\n"
		"\t\t\tfor (j = 0; j < %uu; j++) {\n"
		"\t\t\t\tconst int8_t *x = t + %uu + y * %uu + j;\n"
		"\t\t\t\tint32_t s = 0;\n\t\t\t\tfloat z;\n\n",
		F->oc, F->oh, F->ow, F->in_at, F->w);
	if (F->sparse)
		fprintf(f, "\t\t\t\tfor (q = %s_%s_ptr[i]; q < %s_%s_ptr[i + 1]; q++)\n"
			"\t\t\t\t\ts += (int32_t)%s_%s_w[q] * x[%s_%s_off[q]];\n",
			name, tag, name, tag, name, tag, name, tag);
	else	/* (input map, ky, kx) as loops: no division per MAC */
		fprintf(f, "\t\t\t\tfor (q = 0; q < %uu; q++)\n"
			"\t\t\t\t\tfor (ky = 0; ky < %uu; ky++)\n"
			"\t\t\t\t\t\tfor (kx = 0; kx < %uu; kx++)\n"
			"\t\t\t\t\t\t\ts += (int32_t)%s_%s_w[((i * %uu + q) * %uu + ky) * %uu + kx] *\n"
			"\t\t\t\t\t\t\t\tx[(q * %uu + ky) * %uu + kx];\n",
			F->c, F->k, F->k, name, tag, F->c, F->k, F->k, F->h, F->w);
	fputs("\t\t\t\tz = (float)s * ", f);
	put_float(f, F->wscale);
	fprintf(f, " + %s_%s_b[i];\n"
		"\t\t\t\tt[%uu + (i * %uu + y) * %uu + j] = %s_q(z * ",
		name, tag, F->out_at, F->oh, F->ow, name);
	put_float(f, F->oinv);
	fputs(");\n\t\t\t}\n", f);
}

/* The loops of a front layer over the arena t (export_front.c's, or
 * export_int8.c's). */
static void put_front_code(FILE *f, const char *name, const char *tag,
			   const struct scann_export_front *F, int int8)
{
	uint32_t P = F->oh * F->ow, K = F->c * F->k * F->k;
	const char *el = int8 ? "int8_t" : "float";

	fprintf(f, "\t/* %s: ", tag);
	put_front_line(f, F);
	fputs(" */\n", f);
	if (F->kind == SCANN_FRONT_RELU) {
		if (int8)
			fprintf(f, "\tfor (j = 0; j < %uu; j++)\n"
				"\t\tif (t[%uu + j] < 0)\n\t\t\tt[%uu + j] = 0;\n",
				F->oc * P, F->out_at, F->out_at);
		else
			fprintf(f, "\tfor (j = 0; j < %uu; j++)\n"
				"\t\tif (!(t[%uu + j] > 0.0f))\n\t\t\tt[%uu + j] = 0.0f;\n",
				F->oc * P, F->out_at, F->out_at);
		return;
	}
	if (F->kind == SCANN_FRONT_CONV && int8) {
		put_front_conv_int8(f, name, tag, F);
		return;
	}
	if (F->kind == SCANN_FRONT_POOL) {
		if (F->backward)	/* aligned to the end: last value first */
			fprintf(f, "\tfor (i = %uu; i-- > 0;)\n"
				"\t\tfor (y = %uu; y-- > 0;)\n"
				"\t\t\tfor (j = %uu; j-- > 0;) {\n",
				F->c, F->oh, F->ow);
		else
			fprintf(f, "\tfor (i = 0; i < %uu; i++)\n"
				"\t\tfor (y = 0; y < %uu; y++)\n"
				"\t\t\tfor (j = 0; j < %uu; j++) {\n",
				F->c, F->oh, F->ow);
		fprintf(f, "\t\t\t\tconst %s *r0 = t + %uu + i * %uu + y * %uu + j * 2u;\n"
			"\t\t\t\tconst %s *r1 = r0 + %uu;\n"
			"\t\t\t\tconst %s m0 = r1[0] > r0[0] ? r1[0] : r0[0];\n"
			"\t\t\t\tconst %s m1 = r1[1] > r0[1] ? r1[1] : r0[1];\n\n"
			"\t\t\t\tt[%uu + (i * %uu + y) * %uu + j] = m1 > m0 ? m1 : m0;\n"
			"\t\t\t}\n", el, F->in_at, F->h * F->w,
			2 * F->w, el, F->w, el, el, F->out_at, F->oh, F->ow);
		return;
	}
	fprintf(f, "\tfor (i = 0; i < %uu; i++) {\n"
		"\t\tfloat *o = t + %uu + i * %uu;\n\n"
		"\t\tfor (j = 0; j < %uu; j++)\n\t\t\to[j] = %s_%s_b[i];\n",
		F->oc, F->out_at, P, P, name, tag);
	if (F->sparse)
		fprintf(f, "\t\tfor (q = %s_%s_ptr[i]; q < %s_%s_ptr[i + 1]; q++) {\n"
			"\t\t\tconst float wq = %s_%s_w[q];\n"
			"\t\t\tconst float *x = t + %uu + %s_%s_off[q];\n\n",
			name, tag, name, tag, name, tag, F->in_at, name, tag);
	else
		fprintf(f, "\t\tfor (q = 0; q < %uu; q++) {\n"
			"\t\t\tconst float wq = %s_%s_w[i * %uu + q];\n"
			"\t\t\tconst float *x = t + %uu + q / %uu * %uu +\n"
			"\t\t\t\tq / %uu %% %uu * %uu + q %% %uu;\n\n",
			K, name, tag, K, F->in_at, F->k * F->k, F->h * F->w,
			F->k, F->k, F->w, F->k);
	fprintf(f, "\t\t\tfor (y = 0; y < %uu; y++)\n"
		"\t\t\t\tfor (j = 0; j < %uu; j++)\n"
		"\t\t\t\t\to[y * %uu + j] += wq * x[y * %uu + j];\n"
		"\t\t}\n\t}\n", F->oh, F->ow, F->ow, F->w);
}

static void put_comment_figure(FILE *f, const char *label, double v)
{
	if (v >= 0)
		fprintf(f, " * %-28s %.4f\n", label, v);
}

static void put_header(FILE *h, const struct scann_export_plan *p,
		       enum scann_export_format fmt,
		       const struct scann_export_about *a, const char *up)
{
	int int8 = fmt == SCANN_EXPORT_C_INT8;
	size_t flash, ram;
	uint64_t dr_macs = p->dr ? p->dr->nnz : 0;

	scann_export_c_size(p, fmt, a, &flash, &ram);
	fprintf(h, "/*\n * %s.h -- a network synthesized by SCANN, exported by "
		"scann-worker export\n * (format %s): C99, no allocation, no libm, "
		"no mutable globals.\n *\n", a->name, int8 ? "c-int8" : "c");
	fprintf(h, " * dataset:                     %s\n", a->dataset ? a->dataset : "?");
	fprintf(h, " * job:                         %s\n", a->job ? a->job : "?");
	put_comment_figure(h, "test accuracy (engine):", a->test_acc);
	if (a->float_acc >= 0)
		fprintf(h, " * %-28s %.4f (%u test rows)\n", "test accuracy (float code):",
			a->float_acc, a->test_rows);
	if (int8 && a->int8_acc >= 0)
		fprintf(h, " * %-28s %.4f (%+.2f points against float)\n",
			"test accuracy (int8 code):", a->int8_acc,
			100.0 * (a->int8_acc - a->float_acc));
	fprintf(h, " * %-28s %llu\n", "parameters:", (unsigned long long)p->params);
	fprintf(h, " * %-28s %llu", "MACs:", (unsigned long long)(p->macs + dr_macs));
	if (p->dr)
		fprintf(h, " (network %llu + DR %llu)", (unsigned long long)p->macs,
			(unsigned long long)dr_macs);
	fprintf(h, "\n * %-28s %zu (constant data: weights, indices, "
		"normalisation, names)\n", "flash bytes:", flash);
	fprintf(h, " * %-28s %zu (%s_predict's stack buffers)\n", "RAM bytes:",
		ram, a->name);
	if (p->n_front) {
		fprintf(h, " *\n * Front (one image, [map][y][x] floats; its output "
			"flattened in that\n * order is the network's input):\n");
		for (uint32_t i = 0; i < p->n_front; i++) {
			fputs(" *   ", h);
			put_front_line(h, &p->front[i]);
			fputc('\n', h);
		}
		fprintf(h, " * RAM: one arena of %u %s on the stack, the largest "
			"pair of consecutive\n * buffers (a convolution's input and "
			"output; the last also holds the\n * network's %u values).  "
			"A part with less free stack cannot run it.\n",
			p->arena, int8 ? "int8 values" : "floats", p->n_pos - p->n_out);
	}
	fprintf(h, " *\n * Pipeline: raw features -> (x - min) / range -> %s"
		"the network's %u levels (ReLU) -> %u scores; the predicted class is\n"
		" * the first highest score.%s\n */\n",
		p->dr ? "the DR transform (folded) ->\n * " :
		p->n_front ? "the front ->\n * " : "", p->n_levels,
		p->n_out, int8 ? "  int8 weights and activations, int32 sums, "
		"float at the\n * boundary (features in, scores out)." : "");
	fprintf(h, "#ifndef %s_H\n#define %s_H\n\n", up, up);
	fprintf(h, "#define %s_FEATURES %u\n#define %s_CLASSES %u\n", up,
		p->features, up, p->n_out);
	/* The same under the name as given, as the contract spells it
	 * (NAME_FEATURES), when that differs from the upper-case one. */
	if (strcmp(up, a->name) != 0)
		fprintf(h, "#define %s_FEATURES %s_FEATURES\n"
			"#define %s_CLASSES %s_CLASSES\n", a->name, up, a->name, up);
	/* for a firmware's own check of the part's memory */
	fprintf(h, "\n/* The figures above: constant data, and %s_predict's "
		"stack buffers. */\n#define %s_FLASH_BYTES %zu\n"
		"#define %s_RAM_BYTES %zu\n", a->name, up, flash, up, ram);
	fputc('\n', h);
	fprintf(h, "/* Class names, in the order of the scores. */\n"
		"extern const char *const %s_class_names[%s_CLASSES];\n\n",
		a->name, up);
	fprintf(h, "/*\n * Classify one row of raw feature values (as in the "
		"dataset, unnormalised).\n * Writes the %u class scores to scores "
		"and returns the predicted class's\n * index (into "
		"%s_class_names).  Reentrant: no state between calls.\n */\n",
		p->n_out, a->name);
	fprintf(h, "int %s_predict(const float features[%s_FEATURES],\n"
		"\t\tfloat scores[%s_CLASSES]);\n\n#endif\n", a->name, up, up);
}

static void put_source(FILE *c, const struct scann_export_plan *p,
		       enum scann_export_format fmt,
		       const struct scann_export_about *a, const char *up)
{
	int int8 = fmt == SCANN_EXPORT_C_INT8;
	const char *n = a->name;
	char tag[32];
	uint32_t kept = p->n_pos - p->n_out;
	const char *el = int8 ? "int8_t" : "float";
	int any_sparse = p->dr && p->dr->sparse, any_dense = p->dr && !p->dr->sparse;

	int any_conv = 0, any_pool = 0, any_relu = 0, any_dense_conv = 0;

	for (uint32_t l = 0; l < p->n_levels; l++) {
		any_sparse |= p->lv[l].sparse && p->lv[l].nnz > 0;
		any_dense |= !p->lv[l].sparse && p->lv[l].nnz > 0;
	}
	for (uint32_t l = 0; l < p->n_front; l++) {
		any_conv |= p->front[l].kind == SCANN_FRONT_CONV;
		any_pool |= p->front[l].kind == SCANN_FRONT_POOL;
		any_relu |= p->front[l].kind == SCANN_FRONT_RELU;
		any_dense_conv |= p->front[l].kind == SCANN_FRONT_CONV &&
			!p->front[l].sparse;
	}
	fprintf(c, "/*\n * %s.c -- generated by scann-worker export (format %s); "
		"see %s.h.\n */\n#include <stdint.h>\n\n#include \"%s.h\"\n\n",
		n, int8 ? "c-int8" : "c", n, n);
	fprintf(c, "const char *const %s_class_names[%s_CLASSES] = {", n, up);
	for (uint32_t o = 0; o < p->n_out; o++) {
		fputs(o ? ", \"" : "\"", c);
		for (const char *s = a->class_names[o]; *s; s++)
			if (*s == '"' || *s == '\\')
				fprintf(c, "\\%c", *s);
			else if (isprint((unsigned char)*s))
				fputc(*s, c);
			else
				fprintf(c, "\\%03o", (unsigned char)*s);
		fputc('"', c);
	}
	fputs("};\n\n/* Range normalisation fitted on the training rows. */\n", c);
	put_array(c, "float", n, "min", K_FLOAT, p->min, p->features);
	put_array(c, "float", n, "range", K_FLOAT, p->range, p->features);
	if (p->dr) {
		fputs("/* The DR transform, the mean folded into its constant. */\n", c);
		put_layer_data(c, n, "dr", p->dr, int8);
	}
	for (uint32_t l = 0; l < p->n_front; l++) {
		if (p->front[l].kind != SCANN_FRONT_CONV)
			continue;
		snprintf(tag, sizeof(tag), "f%u", l);
		fprintf(c, "/* Front layer %u: ", l);
		put_front_line(c, &p->front[l]);
		fputs(". */\n", c);
		put_front_data(c, n, tag, &p->front[l], int8);
	}
	for (uint32_t l = 0; l < p->n_levels; l++) {
		snprintf(tag, sizeof(tag), "l%u", l);
		fprintf(c, "/* Level %u%s. */\n", l,
			l + 1 == p->n_levels ? " (outputs)" : "");
		put_layer_data(c, n, tag, &p->lv[l], int8);
	}
	if (int8)
		fprintf(c, "/* v rounded half away from 0, clamped to [-127, 127]. */\n"
			"static int8_t %s_q(float v)\n{\n"
			"\tif (!(v > -127.0f))\n\t\treturn -127;\n"
			"\tif (v >= 127.0f)\n\t\treturn 127;\n"
			"\treturn (int8_t)(v >= 0.0f ? (int)(v + 0.5f) : "
			"-(int)(0.5f - v));\n}\n\n", n);
	fprintf(c, "int %s_predict(const float features[%s_FEATURES],\n"
		"\t\tfloat scores[%s_CLASSES])\n{\n", n, up, up);
	if (p->n_front)	/* the buffers' arena (export.h) */
		fprintf(c, "\t%s t[%u];\n\t%s *const a = t + %u;\n", el,
			p->arena, el, p->a_at);
	else
		fprintf(c, "\t%s a[%u];\n", el, kept ? kept : 1);
	if (p->dr)
		fprintf(c, "\t%s xn[%u];\n", el, p->features);
	fputs("\tuint32_t i;\n", c);
	if (any_dense || any_conv || any_pool || any_relu)
		fputs("\tuint32_t j;\n", c);
	if (any_sparse || any_conv)
		fputs("\tuint32_t q;\n", c);
	if (any_conv || any_pool)
		fputs("\tuint32_t y;\n", c);
	if (int8 && any_dense_conv)
		fputs("\tuint32_t ky, kx;\n", c);
	fputs("\tint best = 0;\n\n", c);
	fprintf(c, "\tfor (i = 0; i < %uu; i++) {\n"
		"\t\tfloat v = %s_range[i] > 0.0f ?\n"
		"\t\t\t(features[i] - %s_min[i]) / %s_range[i] : 0.0f;\n\n",
		p->features, n, n, n);
	if (int8 && p->n_front) {
		fprintf(c, "\t\tt[%uu + i] = %s_q(v * ", p->img_at, n);
		put_float(c, p->in_inv);
		fputs(");\n\t}\n", c);
	} else if (int8) {
		fprintf(c, "\t\t%s[i] = %s_q(v * ", p->dr ? "xn" : "a", n);
		put_float(c, p->in_inv);
		fputs(");\n\t}\n", c);
	} else if (p->n_front) {
		fprintf(c, "\t\tt[%uu + i] = v;\n\t}\n", p->img_at);
	} else {
		fprintf(c, "\t\t%s[i] = v;\n\t}\n", p->dr ? "xn" : "a");
	}
	if (p->dr)
		put_layer_code(c, n, "dr", p->dr, int8, "xn", "a", 0);
	for (uint32_t l = 0; l < p->n_front; l++) {
		snprintf(tag, sizeof(tag), "f%u", l);
		put_front_code(c, n, tag, &p->front[l], int8);
	}
	for (uint32_t l = 0; l < p->n_levels; l++) {
		snprintf(tag, sizeof(tag), "l%u", l);
		put_layer_code(c, n, tag, &p->lv[l], int8, "a", "a",
			       l + 1 == p->n_levels);
	}
	fprintf(c, "\tfor (i = 1; i < %uu; i++)\n"
		"\t\tif (scores[i] > scores[best])\n\t\t\tbest = (int)i;\n"
		"\treturn best;\n}\n", p->n_out);
}

int scann_export_c_write(const struct scann_export_plan *p,
			 enum scann_export_format f,
			 const struct scann_export_about *a, FILE *h, FILE *c,
			 struct scann_error *err)
{
	char up[128];
	size_t i;

	if (f == SCANN_EXPORT_C_INT8 && !p->int8)
		return scann_error_set(err, SCANN_EINTERNAL, NULL,
				       "int8 export of an uncalibrated plan");
	for (i = 0; a->name[i] && i + 1 < sizeof(up); i++)
		up[i] = (char)toupper((unsigned char)a->name[i]);
	up[i] = '\0';
	put_header(h, p, f, a, up);
	put_source(c, p, f, a, up);
	if (fflush(h) != 0 || ferror(h))
		return scann_error_set(err, SCANN_EIO, NULL, "writing %s.h failed",
				       a->name);
	if (fflush(c) != 0 || ferror(c))
		return scann_error_set(err, SCANN_EIO, NULL, "writing %s.c failed",
				       a->name);
	return 0;
}
