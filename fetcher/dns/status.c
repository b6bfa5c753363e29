/* status.c - names of statuses and drop reasons, and the counters
 * (dns.h, engine.h). */
#include "engine.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const status_names[] = {
	[FETCH_DNS_OK] = "ok",
	[FETCH_DNS_NXDOMAIN] = "nxdomain",
	[FETCH_DNS_NODATA] = "nodata",
	[FETCH_DNS_SERVFAIL] = "servfail",
	[FETCH_DNS_REFUSED] = "refused",
	[FETCH_DNS_RCODE] = "rcode",
	[FETCH_DNS_TIMEOUT] = "timeout",
	[FETCH_DNS_NETWORK] = "network",
	[FETCH_DNS_CNAME_LOOP] = "cname-loop",
	[FETCH_DNS_CANCELLED] = "cancelled",
	[FETCH_DNS_MALFORMED] = "malformed",
	[FETCH_DNS_MISMATCH] = "mismatch",
};

static const char *const drop_names[] = {
	[FETCH_DNS_DROP_MALFORMED] = "malformed",
	[FETCH_DNS_DROP_TRUNCATED] = "truncated",
	[FETCH_DNS_DROP_BAD_POINTER] = "bad-pointer",
	[FETCH_DNS_DROP_TCP_LENGTH] = "tcp-length",
	[FETCH_DNS_DROP_WRONG_ID] = "wrong-id",
	[FETCH_DNS_DROP_WRONG_QUESTION] = "wrong-question",
	[FETCH_DNS_DROP_WRONG_TYPE] = "wrong-type",
	[FETCH_DNS_DROP_WRONG_SOURCE] = "wrong-source",
};

static const char *const drop_texts[] = {
	[FETCH_DNS_DROP_MALFORMED] = "an unparseable answer",
	[FETCH_DNS_DROP_TRUNCATED] = "an answer cut short inside a record",
	[FETCH_DNS_DROP_BAD_POINTER] =
		"a name compression pointer that loops or points outside",
	[FETCH_DNS_DROP_TCP_LENGTH] = "a TCP length below a DNS header",
	[FETCH_DNS_DROP_WRONG_ID] = "an answer with another ID",
	[FETCH_DNS_DROP_WRONG_QUESTION] = "an answer to another name",
	[FETCH_DNS_DROP_WRONG_TYPE] = "an answer to another type",
	[FETCH_DNS_DROP_WRONG_SOURCE] = "an answer from another address",
};

const char *fetch_dns_status_name(enum fetch_dns_status st)
{
	if ((size_t)st >= COUNT(status_names))
		return "unknown";
	return status_names[st];
}

const char *fetch_dns_drop_name(enum fetch_dns_drop why)
{
	if ((size_t)why >= COUNT(drop_names))
		return "unknown";
	return drop_names[why];
}

const char *fetch_dns_drop_text(enum fetch_dns_drop why)
{
	if ((size_t)why >= COUNT(drop_texts))
		return "an unknown answer";
	return drop_texts[why];
}

bool fetch_dns_drop_is_parse(enum fetch_dns_drop why)
{
	return why == FETCH_DNS_DROP_MALFORMED ||
	       why == FETCH_DNS_DROP_TRUNCATED ||
	       why == FETCH_DNS_DROP_BAD_POINTER ||
	       why == FETCH_DNS_DROP_TCP_LENGTH;
}

void fetch_dns_count_drop_stats(struct fetch_dns *d, enum fetch_dns_drop why)
{
	struct fetch_dns_stats *st = &d->st;

	st->dropped[why]++;
	if (fetch_dns_drop_is_parse(why))
		st->dropped_malformed++;
	else
		st->dropped_mismatch++;
}

void fetch_dns_note_drop(struct fetch_dns_query *q, enum fetch_dns_drop why)
{
	q->try_drop = (int)why;
	q->try_drops++;
}

void fetch_dns_count_drop(struct fetch_dns_query *q, enum fetch_dns_drop why)
{
	fetch_dns_count_drop_stats(q->d, why);
	fetch_dns_note_drop(q, why);
}

void fetch_dns_stats(const struct fetch_dns *d, struct fetch_dns_stats *out)
{
	if (!d || !out)
		return;
	*out = d->st;
}
