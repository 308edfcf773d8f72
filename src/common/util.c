/* SPDX-License-Identifier: Apache-2.0 */
/* util.c - service names from /etc/services, and Falco-style globbing. */
#include <arpa/inet.h>
#include <fnmatch.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include "common/util.h"

bool port_to_name(uint16_t port, const char *proto, char *buf, size_t len)
{
	struct servent se, *res = NULL;
	char tmp[1024];
	if (getservbyport_r(htons(port), proto, &se, tmp, sizeof(tmp), &res) || !res)
		return false;
	snprintf(buf, len, "%s", res->s_name);
	return true;
}

int port_from_name(const char *name)
{
	struct servent se, *res = NULL;
	char tmp[1024];
	if (getservbyname_r(name, NULL, &se, tmp, sizeof(tmp), &res) || !res)
		return -1;
	return ntohs((uint16_t)res->s_port);
}

bool fnmatch_nopath(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}
