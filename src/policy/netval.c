/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netval.c - the values of the network operators on sockaddr arguments:
 * addresses and CIDRs (SAddr/DAddr and their negations), ports and port
 * ranges (SPort/DPort), and families (Family: AF_* names or numbers), shared
 * by validation (errors) and compilation (the kernel's CIDR and port sets).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "policy/policy_int.h"

int pol_parse_cidr(const char *s, struct pol_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = 0;
		bits = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end)
			return -1;
	}
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = bits < 0 ? 32 : (int)bits;
		return bits > 32 ? -1 : 0;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = bits < 0 ? 128 : (int)bits;
		return bits > 128 ? -1 : 0;
	}
	return -1;
}

int pol_parse_family(const char *s, uint16_t *out)
{
	static const struct { const char *n; uint16_t v; } fams[] = {
		{ "AF_UNIX", AF_UNIX }, { "AF_LOCAL", AF_UNIX }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 },
		{ "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET }, { "AF_VSOCK", 40 },
	};
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (!strcmp(fams[i].n, s)) {
			*out = fams[i].v;
			return 0;
		}
	int64_t v;
	if (pol_parse_s64(s, &v) || v < 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int pol_parse_port_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	const char *colon = strchr(s, ':');
	int64_t a, z;
	if (colon) {
		char l[32];
		snprintf(l, sizeof(l), "%.*s", (int)(colon - s), s);
		if (pol_parse_s64(l, &a) || pol_parse_s64(colon + 1, &z))
			return -1;
	} else {
		if (pol_parse_s64(s, &a))
			return -1;
		z = a;
	}
	if (a < 0 || z > 65535 || z < a)
		return -1;
	*lo = (uint32_t)a;
	*hi = (uint32_t)z;
	return 0;
}
