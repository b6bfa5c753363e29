/* subcmd.h - one command running another in the same process ("vpnrr
 * accept" runs "publish --index", "resign --publish" runs "publish"), so
 * that both read their options and report exactly as when typed. */
#ifndef PUB_SUBCMD_H
#define PUB_SUBCMD_H

/* Runs FN with ARGS (NULL-terminated; ARGS[0] the command's name) after
 * resetting getopt; returns FN's exit code. */
int pub_subcmd(int (*fn)(int argc, char **argv), const char *const *args);

#endif
