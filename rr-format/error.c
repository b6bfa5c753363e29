/* error.c - error values: a class and a message naming the thing. */
#include <errno.h>
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

int rr_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
{
	/* A message cut short is still a message: it keeps its start,
	 * which names the thing. */
	if (err && errlen > 0 && vsnprintf(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
	return -1;
}

int rr_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int rr_failsys(char *err, size_t errlen, const char *what, const char *path)
{
	char buf[128];
	int e = errno;
	/* GNU strerror_r: thread-safe, for the libuv worker threads. */
	const char *msg = strerror_r(e, buf, sizeof(buf));

	(void)rr_fail(err, errlen, "%s: %s: %s", path, what, msg);
	errno = e;
	return -1;
}

void rr_say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)rr_vfail(buf, len, fmt, ap);
	va_end(ap);
}
