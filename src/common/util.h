/* SPDX-License-Identifier: Apache-2.0 */
/* util.h - small helpers shared across modules: service names, globbing. */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Service name of a port ("ssh" for 22/tcp) into buf; false if unknown. */
bool port_to_name(uint16_t port, const char *proto, char *buf, size_t len);
/* Port number of a service name ("ssh"), or -1. */
int port_from_name(const char *name);
/* fnmatch() without FNM_PATHNAME: '*' matches '/' too (Falco's glob). */
bool fnmatch_nopath(const char *pattern, const char *s);

#endif
