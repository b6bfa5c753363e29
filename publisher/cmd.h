/* cmd.h - the subcommands; each takes its own argv (argv[0] is the
 * subcommand name) and returns the process exit code. */
#ifndef PUB_CMD_H
#define PUB_CMD_H

int pub_cmd_keygen(int argc, char **argv);
int pub_cmd_sign(int argc, char **argv);
int pub_cmd_zone(int argc, char **argv);
int pub_cmd_request(int argc, char **argv);
int pub_cmd_admit(int argc, char **argv);
int pub_cmd_index(int argc, char **argv);
int pub_cmd_revoke(int argc, char **argv);
int pub_cmd_resign(int argc, char **argv);
int pub_cmd_import(int argc, char **argv);
int pub_cmd_verify(int argc, char **argv);
int pub_cmd_publish(int argc, char **argv);
int pub_cmd_anchor(int argc, char **argv);
int pub_cmd_enrol(int argc, char **argv);
int pub_cmd_accept(int argc, char **argv);

#endif
