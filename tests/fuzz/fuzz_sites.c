/*
 * fuzz_sites.c - libFuzzer target for the sites-file importer: the
 * make-secnet-sites parser (publisher/sitesfile.c) and what "vpnrr
 * import" builds from it (cmd_import.c: a description per site, parsed
 * again, a record, a signature, the admin's policy).
 *
 * Input: the text of a sites file.  Beyond "no crash", an accepted file
 * must hold what its header promises of every site: a valid name,
 * networks, a transport key, a peer inside its networks, and dh, contact
 * and hash after inheritance.  The import runs with an output directory
 * that cannot be created, so everything up to writing runs and nothing
 * is written.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "sitesfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/vpnrr-fuzz-sites-XXXXXX";
static char path[sizeof(dir) + 8];

/* An include line may name any file: keep the input away from devices
 * that block or never end (a real sites file includes regular files). */
static bool reads_devices(const uint8_t *data, size_t size)
{
	static const char *const bad[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(data, size, bad[i], strlen(bad[i])))
			return true;
	return false;
}

static void cleanup(void)
{
	(void)unlink(path);
	(void)rmdir(dir);
}

static int setup(void)
{
	static int done;

	if (done)
		return done;
	done = -1;
	if (sodium_init() < 0 || !mkdtemp(dir))
		return done;
	snprintf(path, sizeof(path), "%s/sites", dir);
	done = atexit(cleanup) == 0 ? 1 : -1;
	return done;
}

static void check_site(const struct pub_sf_vpn *v,
		       const struct pub_sf_location *l,
		       const struct pub_sf_site *s)
{
	struct pub_sf_common c;
	bool in = false;

	if (!pub_name_valid(v->name) || !pub_name_valid(l->name) ||
	    !pub_name_valid(s->name))
		abort();
	if (!s->has_nets || s->nnets == 0 || s->nnets > RR_MAX_NETS ||
	    !s->has_peer || s->keys.n == 0)
		abort();
	for (size_t i = 0; i < s->nnets; i++)
		in = in || rr_prefix_contains_addr(&s->nets[i], &s->peer);
	if (!in)
		abort();
	pub_sf_effective(v, l, s, &c);
	if (!c.dh[0] || !c.contact[0] || !c.hash[0])
		abort();
	/* The importer splits the endpoint at its last colon. */
	if (s->has_address && !strrchr(s->endpoint, ':'))
		abort();
}

static void import(void)
{
	char *argv[] = { "import", "--zone", "vpn.example.org", "-d",
			 "/nonexistent/vpnrr-fuzz", "--now", "1800000000",
			 path, NULL };

	optind = 0; /* getopt starts afresh */
	(void)pub_cmd_import((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pub_sitesfile sf;
	struct pub_err e;
	FILE *f;

	if (setup() < 0)
		abort();
	if (reads_devices(data, size))
		return 0;
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	memset(&e, 0, sizeof(e));
	if (pub_sitesfile_read(path, &sf, &e) != 0)
		return 0;
	for (size_t i = 0; i < sf.n; i++)
		for (size_t j = 0; j < sf.vpns[i].n; j++)
			for (size_t k = 0; k < sf.vpns[i].locs[j].n; k++)
				check_site(&sf.vpns[i], &sf.vpns[i].locs[j],
					   &sf.vpns[i].locs[j].sites[k]);
	pub_sitesfile_free(&sf);
	import();
	return 0;
}
