/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ server`: hands over to the server program in server/.
 */
#include "cli.h"
#include "server.h"

int
cli_server(int argc, char **argv)
{
	return writ_server_main(argc, argv);
}
