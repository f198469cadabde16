/* SPDX-License-Identifier: Apache-2.0 */
/* Listening sockets and peer addresses for the servers of server/ (net.h). */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "writ/base.h"

#include "net.h"

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

writ_rc
writ_net_parse_addr(const char *what, const char *addr, struct sockaddr_storage *ss,
    socklen_t *sslen, struct writ_err *err)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hlen;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || writ_parse_u64(colon + 1, strlen(colon + 1), &port) != WRIT_OK ||
	    port > 65535)
		return WRIT_ERR(err, WRIT_EINVAL, "%s: bad listen address '%s'", what, addr);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && addr[0] == '[' && addr[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return WRIT_ERR(err, WRIT_EINVAL, "%s: bad listen address '%s'", what, addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		*sslen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		*sslen = sizeof(struct sockaddr_in6);
	} else {
		return WRIT_ERR(err, WRIT_EINVAL, "%s: bad listen address '%s'", what, addr);
	}
	set_port(ss, (uint16_t)port);
	return WRIT_OK;
}

writ_rc
writ_net_listen(const char *what, struct sockaddr_storage *ss, socklen_t sslen, bool first,
    int backlog, int *out, struct writ_err *err)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return WRIT_ERR(err, WRIT_EIO, "%s: socket: %s", what, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (!first && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    (ss->ss_family == AF_INET6 &&
	        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)ss, sslen) != 0 ||
	    (first && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    listen(fd, backlog) != 0) {
		WRIT_ERR(err, WRIT_EIO, "%s: cannot listen: %s", what, strerror(errno));
		close(fd);
		return WRIT_EIO;
	}
	if (getsockname(fd, (struct sockaddr *)ss, &sslen) != 0) {
		close(fd);
		return WRIT_ERR(err, WRIT_EIO, "%s: getsockname: %s", what, strerror(errno));
	}
	*out = fd;
	return WRIT_OK;
}

uint16_t
writ_net_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
	                                      : ((const struct sockaddr_in6 *)ss)->sin6_port);
}

void
writ_net_peer(const struct sockaddr *sa, char *buf, size_t buflen, uint16_t *port)
{
	buf[0] = '\0';
	*port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)buflen);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)buflen);
		*port = ntohs(in6->sin6_port);
	}
}
