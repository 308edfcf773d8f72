/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state_int.h - helpers shared by the state module's files (tables in
 * state.c, the event parser in parse.c). Not for use outside src/state/.
 */
#ifndef VIGIL_STATE_INT_H
#define VIGIL_STATE_INT_H

#include <stddef.h>
#include "state/state.h"

struct thread *thread_new(struct state *st, int64_t tid);
void thread_free(struct thread *t);
struct fdtable *fdtable_new(void);
struct fdtable *fdtable_copy(const struct fdtable *src);
void fdtable_put(struct fdtable *t);
struct fdinfo *fdinfo_dup(const struct fdinfo *src);
void fdinfo_free(struct fdinfo *fi);
void user_info_free(struct user_info *u);
void group_info_free(struct group_info *g);
void fdinfo_render_name(struct fdinfo *fi);
void fdinfo_render_unix(struct fdinfo *fi, const char *path, size_t n);

char *dup_str(const char *p, size_t n);
void set_str(char **dst, const char *p, size_t n);
void set_buf(char **dst, uint32_t *dlen, const char *p, size_t n);
void set_cwd(struct thread *t, const char *p, size_t n);

#endif
