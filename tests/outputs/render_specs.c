/*
 * render_specs.c - writes the secnet and peer-keys outputs for sites
 * given as lines (tests/outputs/bench_specs.py writes them from a sites
 * file of tests/bench/gen.py), for comparing `secnet -j' on vpnrr's
 * output with make-secnet-sites' output of the same sites.
 *
 * usage: render_specs VPN SPECS OUTDIR [SECNET-DH SECNET-HASH]
 *
 * SPECS: one site a line, tab-separated: LOCATION/SITE, endpoint, nets,
 * ptp, key serial, keys, dh, hash.  Writes OUTDIR/secnet/ and OUTDIR/pk/;
 * SECNET-DH ("MODHEX GENHEX") and SECNET-HASH are the VPN-level values
 * (the secnet-dh and secnet-hash configuration keywords), "" for none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"
#include "output.h"

#define NFIELDS 8

struct specs {
	struct example_spec *v;
	char **lines;
	size_t n, cap;
};

static void specs_free(struct specs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->lines[i]);
	free(s->lines);
	free(s->v);
}

/* Splits LINE (owned by S afterwards) into a spec; false on a bad line. */
static bool add_line(struct specs *s, char *line)
{
	char *f[NFIELDS];
	char *p = line;
	struct example_spec *e;

	for (size_t i = 0; i < NFIELDS; i++) {
		f[i] = p;
		p = strchr(p, i + 1 < NFIELDS ? '\t' : '\n');
		if (!p && i + 1 < NFIELDS)
			return false;
		if (p)
			*p++ = '\0';
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct example_spec *v = realloc(s->v, cap * sizeof(*v));
		char **l;

		if (!v)
			return false;
		s->v = v;
		l = realloc(s->lines, cap * sizeof(*l));
		if (!l)
			return false;
		s->lines = l;
		s->cap = cap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->site = f[0];
	e->ep = f[1];
	e->nets = f[2];
	e->ptp = f[3];
	e->ks = f[4];
	e->keys = f[5];
	e->extra[0] = "dh";
	e->extra[1] = f[6];
	e->extra[2] = "hash";
	e->extra[3] = f[7];
	s->lines[s->n++] = line;
	return true;
}

static int read_specs(const char *path, struct specs *s)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = -1;

	if (!in) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, in) > 0) {
		if (!add_line(s, line)) {
			fprintf(stderr, "%s: line %zu unusable\n", path,
				s->n + 1);
			goto out;
		}
		line = NULL;
		cap = 0;
	}
	rc = 0;
out:
	free(line);
	if (fclose(in) != 0)
		rc = -1;
	return rc;
}

static int render(struct example *ex, const char *outdir, const char *dh,
		  const char *hash)
{
	const struct fetch_output_driver *ops[] = { &fetch_output_secnet,
						    &fetch_output_peerkeys };
	char sdir[4096], pk[4096], err[FETCH_OUTPUT_ERRLEN];
	struct fetch_output_cfg cfg;
	struct example_applied res;
	struct fetch_plan plan;
	int rc = 1;

	snprintf(sdir, sizeof(sdir), "%s/secnet", outdir);
	snprintf(pk, sizeof(pk), "%s/pk", outdir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.secnet_dir = sdir;
	cfg.pubkeys_dir = pk;
	cfg.secnet_dh = dh && dh[0] ? dh : NULL;
	cfg.secnet_hash = hash && hash[0] ? hash : NULL;
	fetch_plan_init(&plan);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (ops[i]->plan(&cfg, &ex->view, &plan, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "%s: %s\n", ops[i]->keyword, err);
			goto out;
		}
	}
	if (example_apply(&plan, &res, err, sizeof(err)) < 0) {
		fprintf(stderr, "apply: %s\n", err);
		example_applied_free(&res);
		goto out;
	}
	printf("sites %zu notices %zu written %zu\n", ex->view.nsites,
	       plan.nnotices, res.files_written);
	example_applied_free(&res);
	rc = 0;
out:
	fetch_plan_free(&plan);
	return rc;
}

int main(int argc, char **argv)
{
	char err[FETCH_OUTPUT_ERRLEN];
	struct specs s = { NULL, NULL, 0, 0 };
	struct example ex;
	int rc = 1;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: render_specs VPN SPECS OUTDIR "
				"[SECNET-DH SECNET-HASH]\n");
		return 2;
	}
	if (read_specs(argv[2], &s) < 0)
		goto out;
	if (example_build(&ex, argv[1], s.v, s.n, err, sizeof(err)) < 0) {
		fprintf(stderr, "example: %s\n", err);
		goto out;
	}
	rc = render(&ex, argv[3], argc == 6 ? argv[4] : NULL,
		    argc == 6 ? argv[5] : NULL);
	example_free(&ex);
out:
	specs_free(&s);
	return rc;
}
