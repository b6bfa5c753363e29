/*
 * dns.h - asynchronous DNS stub client, used by vpnrr-fetch and by
 * "vpnrr verify --server".  The one public header of fetcher/dns/.
 *
 * One client (struct fetch_dns) lives on one libuv loop chosen by the
 * caller and never blocks it.  Queries go over UDP with EDNS0 and move to
 * TCP when the answer is truncated; each try has a timeout, tries rotate
 * over the configured servers and the timeout doubles after each full
 * round.  Answers are accepted only from the address and port that was
 * asked, with the query's (random) ID and the same question; anything else
 * is counted and ignored while the query keeps waiting.  CNAME chains are
 * followed, inside one answer and by asking again for the target, up to a
 * bound.
 *
 * Callers see exactly one callback per accepted query, never from inside
 * fetch_dns_query() itself.  The targets may be authoritative servers or
 * recursive resolvers; no caching and no DNSSEC validation is done here.
 * Answers carry raw RDATA (type and wire bytes); callers need no DNS
 * library of their own.
 */
#ifndef VPNRR_FETCH_DNS_H
#define VPNRR_FETCH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

/* Defaults set by fetch_dns_config_init(). */
/* The defaults of both tools (vpnrr-fetch's config uses them too). */
#define FETCH_DNS_DEFAULT_TIMEOUT_MS 2000
#define FETCH_DNS_DEFAULT_ATTEMPTS 3
#define FETCH_DNS_DEFAULT_MAX_INFLIGHT 64
#define FETCH_DNS_DEFAULT_EDNS_SIZE 1232 /* DNS flag day 2020 */
#define FETCH_DNS_DEFAULT_MAX_CNAME 8
#define FETCH_DNS_DEFAULT_TCP_CONNS 4     /* per server */
#define FETCH_DNS_DEFAULT_TCP_PIPELINE 32 /* queries per connection */
#define FETCH_DNS_DEFAULT_TCP_IDLE_MS 1000

/* Limits checked by fetch_dns_new(). */
#define FETCH_DNS_MAX_SERVERS 32
#define FETCH_DNS_MAX_ATTEMPTS 64
#define FETCH_DNS_MAX_CNAME 64
#define FETCH_DNS_MAX_TCP_CONNS 64
#define FETCH_DNS_MAX_TCP_PIPELINE 1024

#define FETCH_DNS_ERRLEN 320 /* room for a server, a full name and a reason */

struct fetch_dns; /* opaque */

/* A server address: struct sockaddr_in or sockaddr_in6 in ADDR, with LEN
 * its size.  The port is in the address (network byte order). */
struct fetch_dns_server {
	struct sockaddr_storage addr;
	socklen_t len;
};

/*
 * Retries: try i (from 0) for a name goes to servers[i % nservers] and
 * waits timeout_ms << (i / nservers) (at most 32 x timeout_ms) for an
 * answer.  After a socket error or an error rcode the next server is asked
 * at once, but the same server again only when that wait has passed; a
 * server that answered SERVFAIL, REFUSED or another error rcode is not
 * asked again for that name.  A TCP retry after TC=1 belongs to the same
 * try and gets a fresh wait.  Each name of a CNAME chain that has to be
 * asked for anew gets its own ATTEMPTS tries.
 *
 * TCP (RFC 7766 6.2.1): each server gets a pool of at most TCP_CONNS
 * connections, opened when needed, each carrying up to TCP_PIPELINE
 * queries at once; answers may come in any order and are matched by ID
 * (unique on the connection) and question.  A try that needs TCP while
 * every connection is full waits for room, on its own clock.  A
 * connection idle for TCP_IDLE_MS is closed; one that fails or that the
 * server closes fails the tries on it (they retry as above); while a
 * connection to a server is open (it truncated an answer lately), new
 * tries to it go straight to TCP, sparing the UDP round trip and the
 * server's UDP rate limits, which also count truncated answers; a try that
 * times out leaves its connection serving the others, unless the server
 * stalled inside that try's answer, which would hold up everything behind
 * it: then no new try joins that connection.
 */
struct fetch_dns_config {
	const struct fetch_dns_server *servers; /* copied by fetch_dns_new */
	size_t nservers;       /* 1..FETCH_DNS_MAX_SERVERS */
	uint32_t timeout_ms;   /* first round's wait per try (>= 1) */
	unsigned attempts;     /* tries per name, over all servers (1..64) */
	unsigned max_inflight; /* queries started at once; the rest wait FIFO */
	uint16_t edns_size;    /* advertised UDP size; 0 = no EDNS0 (512) */
	unsigned max_cname;    /* CNAMEs followed per query (<= FETCH_DNS_MAX_CNAME) */
	bool rd;               /* set RD in queries */
	unsigned tcp_conns;    /* TCP connections per server (1..64) */
	unsigned tcp_pipeline; /* queries at once on one (1..1024) */
	uint32_t tcp_idle_ms;  /* an idle connection is closed after (>= 1) */
};

/* Fills CFG with the defaults above and RD on, for the given servers. */
void fetch_dns_config_init(struct fetch_dns_config *cfg,
			   const struct fetch_dns_server *servers,
			   size_t nservers);

enum fetch_dns_status {
	FETCH_DNS_OK,         /* RRs of the type found (at the end of any CNAMEs) */
	FETCH_DNS_NXDOMAIN,   /* the (final) name does not exist */
	FETCH_DNS_NODATA,     /* the name exists, no RRs of the type */
	FETCH_DNS_SERVFAIL,
	FETCH_DNS_REFUSED,
	FETCH_DNS_RCODE,      /* FORMERR, NOTIMP or another rcode */
	FETCH_DNS_TIMEOUT,    /* every try timed out (the last one did) */
	FETCH_DNS_NETWORK,    /* the last try failed with a socket error */
	FETCH_DNS_CNAME_LOOP, /* CNAME loop, or longer than max_cname */
	FETCH_DNS_CANCELLED,  /* fetch_dns_close() was called */
	FETCH_DNS_MALFORMED,  /* the last try got only unparseable answers */
	FETCH_DNS_MISMATCH,   /* the last try got only answers to another
			       * question (ID, name, type or source) */
};

/*
 * Why an answer was dropped, counted in fetch_dns_stats.dropped[].  A try
 * that ends with nothing but such answers fails as FETCH_DNS_MALFORMED or
 * FETCH_DNS_MISMATCH, naming the reason of the last one, not as a timeout.
 */
enum fetch_dns_drop {
	FETCH_DNS_DROP_MALFORMED,      /* unparseable, shorter than a header,
					* or an oversized datagram */
	FETCH_DNS_DROP_TRUNCATED,      /* ends inside a record it announces */
	FETCH_DNS_DROP_BAD_POINTER,    /* name compression pointer that loops
					* or points outside the message */
	FETCH_DNS_DROP_TCP_LENGTH,     /* TCP length prefix below a header */
	FETCH_DNS_DROP_WRONG_ID,
	FETCH_DNS_DROP_WRONG_QUESTION, /* other name or class, QR=0, opcode */
	FETCH_DNS_DROP_WRONG_TYPE,     /* our name, another type */
	FETCH_DNS_DROP_WRONG_SOURCE,   /* another address or port */
	FETCH_DNS_DROP__COUNT
};

/* "malformed", "truncated", "bad-pointer", "tcp-length", "wrong-id",
 * "wrong-question", "wrong-type", "wrong-source" (stable: JSON keys). */
const char *fetch_dns_drop_name(enum fetch_dns_drop why);

/* True for the drops that are parse failures (not mismatches). */
bool fetch_dns_drop_is_parse(enum fetch_dns_drop why);

/* "ok", "nxdomain", ... (stable: used in logs and tests). */
const char *fetch_dns_status_name(enum fetch_dns_status st);

/* One RR of an answer: its type, TTL and RDATA in uncompressed wire form
 * (for TXT: the length-prefixed character-strings). */
struct fetch_dns_rdata {
	uint16_t type;
	uint32_t ttl;
	const uint8_t *data;
	size_t len;
};

struct fetch_dns_answer {
	enum fetch_dns_status status;
	const char *qname;      /* the name as passed to fetch_dns_query */
	const char *final_name; /* last name of the CNAME chain, presentation
				 * form with final dot (NULL if out of memory) */
	uint16_t type;
	/* OK: the RRs of TYPE (class IN) owned by final_name, NRDATA >= 1 of
	 * them in answer order; NULL and 0 otherwise.  Owned by the client
	 * and valid during the callback only: copy what is to be kept. */
	const struct fetch_dns_rdata *rdata;
	size_t nrdata;
	/* OK: the smallest TTL of those RRs and of the CNAMEs followed.
	 * NXDOMAIN/NODATA: min(SOA TTL, SOA MINIMUM) when the answer has an
	 * SOA in its authority section (RFC 2308), else 0. */
	uint32_t min_ttl;
	int rcode;             /* rcode of the last accepted answer, or -1 */
	bool via_tcp;          /* the last accepted answer came over TCP */
	char error[FETCH_DNS_ERRLEN]; /* empty for OK; names server and name */
};

typedef void (*fetch_dns_cb)(const struct fetch_dns_answer *ans, void *arg);

/* Copies RDATA[0..N) into one allocation (free with free()): *OUT, or
 * NULL when out of memory.  N may be 0. */
struct fetch_dns_rdata *fetch_dns_rdata_dup(const struct fetch_dns_rdata *rdata,
					    size_t n);

struct fetch_dns_stats {
	uint64_t queries;          /* accepted by fetch_dns_query */
	uint64_t sent_udp, sent_tcp; /* messages handed to the kernel */
	uint64_t retries;          /* tries after the first for a name */
	uint64_t timeouts;         /* tries that timed out with no answer */
	uint64_t truncated;        /* UDP answers with TC set */
	uint64_t dropped_mismatch; /* wrong source, ID or question (or QR=0) */
	uint64_t dropped_malformed;/* unparseable or oversized datagrams */
	uint64_t dropped[FETCH_DNS_DROP__COUNT]; /* both of the above, by why */
	uint64_t bad_tries;        /* tries that ended with dropped answers only */
	uint64_t cname_followed;   /* CNAME RRs followed */
	uint64_t answered;         /* answers accepted (any rcode, TC too) */
	uint64_t max_inflight_seen;/* most queries started at one time */
	uint64_t tcp_connections;  /* TCP connections opened */
};

/*
 * Creates a client on LOOP.  CFG (and its server array) is copied.
 * Returns 0, or a negative errno value (UV_EINVAL for a bad config,
 * UV_ENOMEM); *OUT is set only on success.
 */
int fetch_dns_new(uv_loop_t *loop, const struct fetch_dns_config *cfg,
		  struct fetch_dns **out);

/*
 * Asks for NAME (presentation form, final dot optional) of TYPE, class IN.
 * Returns 0 when accepted: CB then runs exactly once, later, from the
 * loop.  Returns a negative errno value otherwise (UV_EINVAL: NAME is not
 * a valid domain name; UV_ESHUTDOWN: the client is closing; UV_ENOMEM),
 * and CB never runs.  CB may call fetch_dns_query and fetch_dns_close.
 */
int fetch_dns_query(struct fetch_dns *d, const char *name, uint16_t type,
		    fetch_dns_cb cb, void *arg);

/*
 * Cancels every pending query (their callbacks run now, with CANCELLED),
 * then closes the client's handles; DONE(ARG) runs from the loop once all
 * are closed and the client is freed.  D must not be used after this call.
 * DONE may be NULL.  The loop has to run for the close to finish.
 */
void fetch_dns_close(struct fetch_dns *d, void (*done)(void *), void *arg);

void fetch_dns_stats(const struct fetch_dns *d, struct fetch_dns_stats *out);

/* ---- server addresses (resolvconf.c) ------------------------------------ */

/*
 * Parses "192.0.2.1", "192.0.2.1:5353", "2001:db8::1", "[2001:db8::1]:5353",
 * and IPv6 with a zone ("fe80::1%eth0", "[fe80::1%2]:53").  The port
 * defaults to 53.  A bare IPv6 address that could end in a port
 * (fetch_dns_server_ambiguous) is refused: the brackets must say.  Returns 0, or -1 with a message in ERR.
 */
int fetch_dns_parse_server(const char *text, struct fetch_dns_server *out,
			   char *err, size_t errlen);

/*
 * Whether TEXT, written without brackets, reads both as an IPv6 address
 * and as an IPv6 address with a port: its last group is decimal and the
 * text without ":GROUP" is an IPv6 address too ("::1:5340" may mean
 * [::1]:5340 or [::1:5340]).  fetch_dns_parse_server refuses such text.
 * Returns true with a message in ERR saying what to write instead.
 */
bool fetch_dns_server_ambiguous(const char *text, char *err, size_t errlen);

/*
 * Reads the "nameserver ADDR" lines of a resolv.conf (PATH; NULL means
 * /etc/resolv.conf) into OUT[0..MAX), port 53, in file order.  Like the
 * libc resolver, lines it cannot parse and servers past MAX are skipped.
 * Returns 0 with *N >= 1, or -1 with a message in ERR when the file cannot
 * be read or names no usable server.
 */
int fetch_dns_resolvconf(const char *path, struct fetch_dns_server *out,
			 size_t max, size_t *n, char *err, size_t errlen);

/* "192.0.2.1:53", "[2001:db8::1]:53", "[fe80::1%2]:53" into OUT. */
#define FETCH_DNS_SERVERSTRLEN 72
void fetch_dns_server_format(const struct fetch_dns_server *s,
			     char out[FETCH_DNS_SERVERSTRLEN]);

#endif
