/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening sockets shared by the servers of server/ (HTTP/1.1 in http.c,
 * gRPC in grpc.c): numeric addresses, one SO_REUSEPORT socket per worker
 * thread, and the peer address of an accepted connection.
 */
#ifndef WRIT_SERVER_NET_H
#define WRIT_SERVER_NET_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

/*
 * Parse "1.2.3.4:80" or "[::1]:80" (numeric hosts only) into *ss and *sslen.
 * what names the server in messages ("http").  Returns WRIT_EINVAL.
 */
WRIT_MUST_CHECK writ_rc writ_net_parse_addr(const char *what, const char *addr,
    struct sockaddr_storage *ss, socklen_t *sslen, struct writ_err *err);

/*
 * One worker's listening socket on *ss, non-blocking and close-on-exec, in
 * *out.  The first one binds without SO_REUSEPORT, so an address another
 * process already listens on fails with EADDRINUSE instead of silently
 * sharing its connections; SO_REUSEPORT is set after the bind, before
 * listen(2), so the other workers' sockets can join.  *ss gets the bound
 * address (port 0 becomes the port chosen).  Returns WRIT_EIO.
 */
WRIT_MUST_CHECK writ_rc writ_net_listen(const char *what, struct sockaddr_storage *ss,
    socklen_t sslen, bool first, int backlog, int *out, struct writ_err *err);

/* The port of an IPv4 or IPv6 address. */
uint16_t writ_net_port(const struct sockaddr_storage *ss);

/* The numeric text (buf, 46 bytes) and port of a peer address; "" and 0 for other families. */
void writ_net_peer(const struct sockaddr *sa, char *buf, size_t buflen, uint16_t *port);

#endif /* WRIT_SERVER_NET_H */
