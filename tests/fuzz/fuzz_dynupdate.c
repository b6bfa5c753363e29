/*
 * fuzz_dynupdate.c - libFuzzer target for what "vpnrr publish" makes of
 * the bytes a zone's primary sends back over TCP (publisher/dynframe.c,
 * as publisher/dynupdate.c drives it): answers to UPDATE messages and
 * queries, and zone transfers of many messages, framed by a two-byte
 * length and read in chunks of any size, with the next message's first
 * bytes often in the same read.
 *
 * Input: byte 0 bit 0 set: a zone transfer (messages until the closing
 * SOA), else one answer; bytes 1-2 the query ID (big-endian); then the
 * reads: a length byte (0: all that is left) and that many bytes, as
 * libuv would hand them over (cut to the space offered).
 * Beyond "no crash" (and no read past what came), the framer yields a
 * message only once all of it is in, exactly the bytes the server sent
 * for it; what it yields answers the query's ID; a transfer keeps at
 * most its limit of RRs and starts with the SOA.
 */
#include <stdlib.h>
#include <string.h>

#include "dynframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct stream {
	const uint8_t *sent;  /* every byte handed over so far, in order */
	size_t nsent;         /* how many */
	size_t taken;         /* where the next message starts in it */
};

/* Checks the message the framer yielded against what was sent. */
static void check_msg(struct stream *s, const ldns_pkt *pkt,
		      const uint8_t *wire, size_t wlen, uint16_t id)
{
	size_t len;

	if (s->nsent < s->taken + 2)
		abort();
	len = (size_t)s->sent[s->taken] << 8 | s->sent[s->taken + 1];
	if (s->nsent < s->taken + 2 + len)
		abort(); /* yielded before all of it was in */
	if (wire && (wlen != len ||
		     memcmp(wire, s->sent + s->taken + 2, len) != 0))
		abort();
	if (pkt && ldns_pkt_id(pkt) != id)
		abort();
	s->taken += 2 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pub_dynframe f;
	struct stream s = { NULL, 0, 0 };
	ldns_rr_list *rrs = ldns_rr_list_new();
	uint8_t *sent = NULL;
	bool axfr;
	uint16_t id;
	unsigned soas = 0;
	size_t pos = 3, msgs = 0;
	int t = 0;

	if (size < 3) {
		ldns_rr_list_free(rrs);
		return 0;
	}
	if (!rrs || pub_dynframe_init(&f) != 0)
		abort();
	axfr = data[0] & 1;
	id = (uint16_t)(data[1] << 8 | data[2]);
	sent = malloc(size);
	if (!sent)
		abort();
	s.sent = sent;
	while (t == 0) {
		ldns_pkt *pkt = NULL;
		uint8_t *wire = NULL;
		size_t wlen = 0;
		enum pub_dynframe_result r;

		if (!pub_dynframe_ready(&f)) {
			size_t room, n;
			uint8_t *p = pub_dynframe_space(&f, &room);
			if (pos >= size)
				break; /* the server closed the connection */
			/* Short of a whole message, less than the biggest
			 * one is held: there is room for the rest. */
			if (f.len >= PUB_DYNFRAME_MSG_MAX || room == 0)
				abort();
			n = data[pos] ? data[pos] : size - pos - 1;
			pos++;
			if (n > size - pos)
				n = size - pos;
			if (n > room)
				n = room;
			memcpy(p, data + pos, n);
			memcpy(sent + s.nsent, data + pos, n);
			s.nsent += n;
			pos += n;
			pub_dynframe_took(&f, n);
			continue;
		}
		r = pub_dynframe_next(&f, id, &pkt, &wire, &wlen);
		if (r == PUB_DYNFRAME_OK) {
			check_msg(&s, pkt, wire, wlen, id);
		} else {
			if (pkt || wire)
				abort();
			check_msg(&s, NULL, NULL, 0, id);
			break; /* the exchange fails there */
		}
		msgs++;
		if (!axfr) {
			t = 1;
		} else {
			t = pub_axfr_take(pkt, rrs, &soas);
			if (ldns_rr_list_rr_count(rrs) > PUB_AXFR_MAX_RRS ||
			    (ldns_rr_list_rr_count(rrs) > 0 &&
			     ldns_rr_get_type(ldns_rr_list_rr(rrs, 0)) !=
				     LDNS_RR_TYPE_SOA))
				abort();
			if (t == 0 && msgs >= PUB_AXFR_MAX_MSGS)
				t = -2;
		}
		ldns_pkt_free(pkt);
		free(wire);
	}
	/* What is left unread is less than a message, or is the rest of
	 * the stream after the last one taken. */
	if (f.len != s.nsent - s.taken)
		abort();
	pub_dynframe_free(&f);
	ldns_rr_list_deep_free(rrs);
	free(sent);
	return 0;
}
