/* error.c - error values: a class and a message naming the thing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rr.h"

static const char *const class_names[RR_E__COUNT] = {
	[RR_OK] = "ok",
	[RR_E_SYNTAX] = "syntax",
	[RR_E_TRUNCATED] = "truncated",
	[RR_E_LIMIT] = "limit",
	[RR_E_VERSION] = "version",
	[RR_E_DUPLICATE] = "duplicate",
	[RR_E_MISSING] = "missing",
	[RR_E_UNEXPECTED] = "unexpected",
	[RR_E_CRITICAL] = "critical",
	[RR_E_VALUE] = "value",
	[RR_E_CANONICAL] = "canonical",
	[RR_E_KEY] = "key",
	[RR_E_SIGNATURE] = "signature",
	[RR_E_UNSIGNED] = "unsigned",
	[RR_E_NAME] = "name",
	[RR_E_EXPIRED] = "expired",
	[RR_E_NOTYET] = "notyet",
	[RR_E_HASH] = "hash",
	[RR_E_POLICY] = "policy",
	[RR_E_NOMEM] = "nomem",
	[RR_E_IO] = "io",
};

const char *rr_errclass_name(enum rr_errclass cls)
{
	if ((unsigned)cls >= RR_E__COUNT)
		return "unknown";
	return class_names[cls];
}

enum rr_errclass rr_errclass_from_name(const char *name)
{
	for (int i = 0; i < RR_E__COUNT; i++)
		if (strcmp(class_names[i], name) == 0)
			return (enum rr_errclass)i;
	return RR_E__COUNT;
}

enum rr_errclass rr_seterr(struct rr_error *err, enum rr_errclass cls,
			   const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->cls = cls;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return cls;
}

void rr_errprefix(struct rr_error *err, const char *fmt, ...)
{
	char prefix[sizeof(err->msg)];
	char old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* A message too long for the buffer keeps its start, which names
	 * the thing; the return value is checked only to say so. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
}
