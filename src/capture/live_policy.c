/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live_policy.c - puts compiled TracingPolicies (policy_kernel.h) into the
 * probe: before load, which policy programs attach (none without policies;
 * the exec/fork/exit ones only for matchBinaries) and the size of their
 * per-CPU state; after load, the hooks, selectors, string/prefix/integer
 * sets (one LPM trie created per prefix set), binary sets, the per-syscall
 * hook lists, and the binary sets of the processes already running (read
 * from /proc, as the exec program would have computed them).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture/live_policy.h"

#ifdef VIGIL_HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vigil.skel.h"

static bool is_sched_prog(const char *name)
{
	return !strcmp(name, "vg_pol_exec") || !strcmp(name, "vg_pol_fork") || !strcmp(name, "vg_pol_exit");
}

void live_policy_prepare(struct vigil_bpf *skel, const struct pol_kernel *k, int ncpu)
{
	struct bpf_program *p;
	bpf_object__for_each_program(p, skel->obj) {
		const char *name = bpf_program__name(p);
		if (strncmp(name, "vg_pol_", 7))
			continue;
		bool on = k && (k->nhooks || k->dynamic) && (!is_sched_prog(name) || k->bin_sets || k->dynamic);
		bpf_program__set_autoattach(p, on);
	}
	bpf_map__set_max_entries(skel->maps.vg_pol_state, (uint32_t)ncpu * 2);
	live_deny_prepare(skel, k);
}

static void cidr_key(const struct pol_kcidr *c, struct vg_pol_cidr_key *key)
{
	memset(key, 0, sizeof(*key));
	key->prefixlen = 64 + c->bits;
	key->set = htonl(c->set);
	key->family = htonl(c->family);
	memcpy(key->addr, c->addr, sizeof(key->addr));
}

/* The key of an Equal string: the short map's (*lk NULL) or a long one
 * allocated in *lk. Returns the map to use. */
static int str_key(struct vigil_bpf *skel, const struct pol_kstr *s, struct vg_pol_skey_short *sk,
		   struct vg_pol_skey_long **lk)
{
	if (s->len < VG_POL_STR_SHORT) {
		memset(sk, 0, sizeof(*sk));
		sk->set = s->set;
		sk->len = s->len;
		memcpy(sk->s, s->s, s->len);
		*lk = NULL;
		return bpf_map__fd(skel->maps.vg_pol_str_short);
	}
	*lk = calloc(1, sizeof(**lk));
	if (!*lk)
		return -1;
	(*lk)->set = s->set;
	(*lk)->len = s->len;
	memcpy((*lk)->s, s->s, s->len);
	return bpf_map__fd(skel->maps.vg_pol_str_long);
}

static int upd(int fd, const void *key, const void *val, const char *what, char *err, size_t errlen)
{
	if (bpf_map_update_elem(fd, key, val, BPF_ANY)) {
		snprintf(err, errlen, "cannot load the policy %s into the probe: %s", what, strerror(errno));
		return -errno;
	}
	return 0;
}

/* A u64 set mask: OR'ed into what the other generation put there. */
static int upd_or(int fd, const void *key, uint64_t mask, const char *what, char *err, size_t errlen)
{
	uint64_t v = 0;
	if (!bpf_map_lookup_elem(fd, key, &v))
		mask |= v;
	return upd(fd, key, &mask, what, err, errlen);
}

/* The executable of a running process as the probe resolves it: within the
 * process's root (a container's executable without the host path of its
 * root filesystem). */
static int proc_exe(const char *proc, const char *pid, char *out, size_t outlen)
{
	char path[PATH_MAX], root[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s/exe", proc, pid);
	ssize_t n = readlink(path, out, outlen - 1);
	if (n <= 0)
		return -1;
	out[n] = 0;
	snprintf(path, sizeof(path), "%s/%s/root", proc, pid);
	ssize_t rn = readlink(path, root, sizeof(root) - 1);
	if (rn > 1) {
		root[rn] = 0;
		size_t rl = (size_t)rn;
		if (!strncmp(out, root, rl) && out[rl] == '/')
			memmove(out, out + rl, strlen(out + rl) + 1);
	}
	return 0;
}

static void seed_processes(struct vigil_bpf *skel, const struct pol_kernel *k)
{
	DIR *d = opendir("/proc");
	if (!d)
		return;
	int fd = bpf_map__fd(skel->maps.vg_pol_proc);
	struct dirent *de;
	char exe[PATH_MAX];
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		if (*end || !pid || proc_exe("/proc", de->d_name, exe, sizeof(exe)))
			continue;
		struct vg_pol_proc v = { 0 }, add = { .bins = pol_kernel_bin_mask(k, exe), .follow = 0 };
		char path[PATH_MAX], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
			add.bins |= pol_kernel_comm_mask(k, comm);
		}
		uint32_t key = (uint32_t)pid;
		if (!add.bins)
			continue;
		bpf_map_lookup_elem(fd, &key, &v);	/* the other generation's bits */
		v.bins |= add.bins;
		bpf_map_update_elem(fd, &key, &v, BPF_ANY);
	}
	closedir(d);
}

int live_policy_install(struct vigil_bpf *skel, const struct pol_kernel *k, char *err, size_t errlen)
{
	int rc;
	if (!k)
		return 0;
	int fd = bpf_map__fd(skel->maps.vg_pol_hooks);
	for (uint32_t i = 0; i < k->nhooks; i++) {
		uint32_t key = k->hook_base + i;
		if ((rc = upd(fd, &key, &k->hooks[i], "hooks", err, errlen)))
			return rc;
	}
	fd = bpf_map__fd(skel->maps.vg_pol_sels);
	for (uint32_t i = 0; i < k->nsels; i++) {
		uint32_t key = k->sel_base + i;
		if ((rc = upd(fd, &key, &k->sels[i], "selectors", err, errlen)))
			return rc;
	}
	uint8_t one = 1;
	for (size_t i = 0; i < k->nstrs; i++) {
		struct vg_pol_skey_short sk;
		struct vg_pol_skey_long *lk;
		int m = str_key(skel, &k->strs[i], &sk, &lk);
		if (m < 0)
			return -ENOMEM;
		rc = upd(m, lk ? (void *)lk : (void *)&sk, &one, "strings", err, errlen);
		free(lk);
		if (rc)
			return rc;
	}
	fd = bpf_map__fd(skel->maps.vg_pol_ints);
	for (size_t i = 0; i < k->nints; i++) {
		struct vg_pol_ikey key = { .set = k->ints[i].set, .v = k->ints[i].v };
		if ((rc = upd(fd, &key, &one, "integer sets", err, errlen)))
			return rc;
	}
	/* one LPM trie per prefix/postfix set */
	int outer = bpf_map__fd(skel->maps.vg_pol_lpm);
	LIBBPF_OPTS(bpf_map_create_opts, lo, .map_flags = BPF_F_NO_PREALLOC);
	for (size_t i = 0; i < k->nlpms; i++) {
		uint32_t set = k->lpms[i].set;
		int inner = -1;
		uint32_t id;
		if (bpf_map_lookup_elem(outer, &set, &id) == 0) {
			inner = bpf_map_get_fd_by_id(id);
		} else {
			inner = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "vg_pol_lpm_set", sizeof(struct vg_pol_lpm_key), 1,
					       4096, &lo);
			if (inner >= 0 && upd(outer, &set, &inner, "prefix sets", err, errlen)) {
				close(inner);
				return -EINVAL;
			}
		}
		if (inner < 0) {
			snprintf(err, errlen, "cannot create a prefix set: %s", strerror(errno));
			return -errno;
		}
		struct vg_pol_lpm_key key;
		memset(&key, 0, sizeof(key));
		key.prefixlen = k->lpms[i].len * 8;
		memcpy(key.data, k->lpms[i].data, sizeof(key.data));
		rc = upd(inner, &key, &one, "prefixes", err, errlen);
		close(inner);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < k->nbins; i++) {
		const struct pol_kbin *b = &k->bins[i];
		size_t l = strlen(b->path);
		if (b->kind == PKB_COMM) {
			struct vg_pol_ckey key;
			memset(&key, 0, sizeof(key));
			memcpy(key.comm, b->path, l < sizeof(key.comm) ? l : sizeof(key.comm) - 1);
			rc = upd_or(bpf_map__fd(skel->maps.vg_pol_bin_comm), &key, b->mask, "process names", err, errlen);
		} else if (b->kind == PKB_EXACT) {
			struct vg_pol_bkey key;
			memset(&key, 0, sizeof(key));
			key.len = (uint32_t)l;
			memcpy(key.path, b->path, l < VG_POL_BIN ? l : VG_POL_BIN - 1);
			rc = upd_or(bpf_map__fd(skel->maps.vg_pol_bin_eq), &key, b->mask, "binaries", err, errlen);
		} else {
			struct vg_pol_lpm_key key;
			memset(&key, 0, sizeof(key));
			size_t n = l > VG_POL_LPM ? VG_POL_LPM : l;
			key.prefixlen = (uint32_t)n * 8;
			for (size_t c = 0; c < n; c++)
				key.data[c] = (uint8_t)(b->kind == PKB_PREFIX ? b->path[c] : b->path[l - 1 - c]);
			int m = b->kind == PKB_PREFIX ? bpf_map__fd(skel->maps.vg_pol_bin_pfx)
						      : bpf_map__fd(skel->maps.vg_pol_bin_sfx);
			rc = upd_or(m, &key, b->mask, "binary prefixes", err, errlen);
		}
		if (rc)
			return rc;
	}
	fd = bpf_map__fd(skel->maps.vg_pol_cidr);
	for (size_t i = 0; i < k->ncidrs; i++) {
		struct vg_pol_cidr_key key;
		cidr_key(&k->cidrs[i], &key);
		if ((rc = upd(fd, &key, &one, "address sets", err, errlen)))
			return rc;
	}
	skel->bss->vg_pol_routed |= k->routes != 0;
	skel->bss->vg_pol_follow_mask |= k->follow_mask;
	memcpy(skel->bss->vg_pol_sclist[k->gen], k->sclist, k->nsclist * sizeof(k->sclist[0]));
	if (k->bin_sets)
		seed_processes(skel, k);
	/* last: the syscalls of this generation become hooked (in force once
	 * vg_pol_gen names it) */
	memcpy(skel->bss->vg_pol_sc[k->gen], k->sc, sizeof(k->sc));
	return 0;
}

/* Clear `bits` from the value of every key of a u64-valued map; drop the
 * keys left with none. */
static void clear_bits(int fd, uint32_t key_size, uint64_t bits)
{
	uint8_t key[sizeof(struct vg_pol_bkey) + 16], next[sizeof(key)];
	void *prev = NULL;
	if (key_size > sizeof(key))
		return;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		uint64_t v;
		if (bpf_map_lookup_elem(fd, key, &v) || !(v & bits))
			continue;
		v &= ~bits;
		if (v)
			bpf_map_update_elem(fd, key, &v, BPF_EXIST);
		else
			bpf_map_delete_elem(fd, key);
	}
}

void live_policy_uninstall(struct vigil_bpf *skel, const struct pol_kernel *k, const struct pol_kernel *now)
{
	if (!k)
		return;
	/* no run can start on its hooks any more: clear its syscall lists */
	memset(skel->bss->vg_pol_sc[k->gen], 0, sizeof(skel->bss->vg_pol_sc[k->gen]));
	skel->bss->vg_pol_follow_mask = now ? now->follow_mask : 0;
	skel->bss->vg_pol_routed = now && now->routes;
	for (size_t i = 0; i < k->nstrs; i++) {
		struct vg_pol_skey_short sk;
		struct vg_pol_skey_long *lk;
		int m = str_key(skel, &k->strs[i], &sk, &lk);
		if (m >= 0)
			bpf_map_delete_elem(m, lk ? (void *)lk : (void *)&sk);
		free(lk);
	}
	for (size_t i = 0; i < k->nints; i++) {
		struct vg_pol_ikey key = { .set = k->ints[i].set, .v = k->ints[i].v };
		bpf_map_delete_elem(bpf_map__fd(skel->maps.vg_pol_ints), &key);
	}
	for (size_t i = 0; i < k->ncidrs; i++) {
		struct vg_pol_cidr_key key;
		cidr_key(&k->cidrs[i], &key);
		bpf_map_delete_elem(bpf_map__fd(skel->maps.vg_pol_cidr), &key);
	}
	for (size_t i = 0; i < k->nlpms; i++)
		bpf_map_delete_elem(bpf_map__fd(skel->maps.vg_pol_lpm), &k->lpms[i].set);
	if (k->bin_sets) {
		clear_bits(bpf_map__fd(skel->maps.vg_pol_bin_eq), sizeof(struct vg_pol_bkey), k->bin_sets);
		clear_bits(bpf_map__fd(skel->maps.vg_pol_bin_pfx), sizeof(struct vg_pol_lpm_key), k->bin_sets);
		clear_bits(bpf_map__fd(skel->maps.vg_pol_bin_sfx), sizeof(struct vg_pol_lpm_key), k->bin_sets);
		clear_bits(bpf_map__fd(skel->maps.vg_pol_bin_comm), sizeof(struct vg_pol_ckey), k->bin_sets);
		/* processes: the bits of its sets, inherited ones too */
		int fd = bpf_map__fd(skel->maps.vg_pol_proc);
		uint32_t key, next, *prev = NULL;
		while (!bpf_map_get_next_key(fd, prev, &next)) {
			key = next;
			prev = &key;
			struct vg_pol_proc v;
			if (bpf_map_lookup_elem(fd, &key, &v) || !((v.bins | v.follow) & k->bin_sets))
				continue;
			v.bins &= ~k->bin_sets;
			v.follow &= ~k->bin_sets;
			bpf_map_update_elem(fd, &key, &v, BPF_EXIST);
		}
	}
}

int live_policy_pod_cgroup(struct vigil_bpf *skel, uint64_t cgid, const char *ns)
{
	uint64_t h = vg_pol_ns_hash(ns);
	return bpf_map_update_elem(bpf_map__fd(skel->maps.vg_pol_cgns), &cgid, &h, BPF_ANY) ? -errno : 0;
}

void live_policy_counters(struct vigil_bpf *skel, int ncpu, struct vg_pol_counters *out)
{
	memset(out, 0, sizeof(*out));
	struct vg_pol_counters *pc = calloc((size_t)ncpu, sizeof(*pc));
	uint32_t zero = 0;
	if (pc && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.vg_pol_counters), &zero, pc)) {
		for (int c = 0; c < ncpu; c++) {
			out->n_hooked += pc[c].n_hooked;
			out->n_matched += pc[c].n_matched;
			out->n_signals += pc[c].n_signals;
			out->n_skipped += pc[c].n_skipped;
			out->n_ratelimited += pc[c].n_ratelimited;
			out->n_denied += pc[c].n_denied;
		}
	}
	free(pc);
}

#endif /* VIGIL_HAVE_BPF */
