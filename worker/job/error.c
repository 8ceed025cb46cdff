/*
 * error.c -- filling struct scann_error.  See error.h.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int scann_error_set(struct scann_error *err, int code, const char *field,
		    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void scann_error_clear(struct scann_error *err)
{
	if (err == NULL)
		return;
	err->code = SCANN_OK;
	err->field[0] = '\0';
	err->message[0] = '\0';
}

const char *scann_errcode_name(int code)
{
	switch (code) {
	case SCANN_OK:		return "ok";
	case SCANN_EINVAL:	return "invalid";
	case SCANN_ENOMEM:	return "no_memory";
	case SCANN_EIO:		return "io";
	case SCANN_ENOENT:	return "not_found";
	case SCANN_ECANCELED:	return "canceled";
	default:		return "internal";
	}
}
