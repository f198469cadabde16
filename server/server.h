/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry point of `writ server` for the CLI dispatcher.
 */
#ifndef WRIT_SERVER_SERVER_H
#define WRIT_SERVER_SERVER_H

/* Run the server with argv as given after "writ" ("server", flags...); exit status. */
int writ_server_main(int argc, char **argv);

#endif /* WRIT_SERVER_SERVER_H */
