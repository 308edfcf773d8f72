/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.c - the live event source: loads the BPF probe skeleton, gives each
 * CPU its ring buffer, routes syscall numbers to their sys_exit programs,
 * sets which syscalls are wanted, and merges the per-CPU rings into one
 * stream ordered by timestamp (the head of every ring is peeked, the oldest
 * is handed out, and consumed on the next call).
 *
 * The rings are read directly through their mmap'ed pages (consumer page,
 * producer page, data mapped twice) because merging needs to look at a
 * record without consuming it, which libbpf's ring_buffer API cannot do.
 * The probe never wakes the reader (BPF_RB_NO_WAKEUP: a cross-CPU wake-up
 * per event would cost the traced process more than the event itself);
 * when every ring is empty the reader sleeps, 50 us at first, doubling up
 * to 5 ms while the host stays quiet.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "capture/live.h"
#include "engine/drops.h"

void live_drop_counts(const struct live_stats *s, struct drop_counts *d)
{
	memset(d, 0, sizeof(*d));
	d->n_drops_buffer = s->n_drops_buffer;
	memcpy(d->n_drops_buffer_cat, s->n_drops_buffer_cat, sizeof(d->n_drops_buffer_cat));
	d->n_drops_scratch_map = s->n_drops_scratch;
	d->n_drops_bug = s->n_drops_nomap + s->n_bad;
	/* runs the kernel skipped (a preempted probe on that CPU) are lost too */
	d->n_drops = d->n_drops_buffer + d->n_drops_scratch_map + d->n_drops_bug + s->n_drops_recursion;
}

int live_cgroup2_root(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	char dev[256], dir[PATH_MAX], type[64];
	int rc = -ENOENT;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]", dev, dir, type) == 3) {
		if (!strcmp(type, "cgroup2")) {
			snprintf(out, len, "%s", dir);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

#ifndef VIGIL_HAVE_BPF

int live_check_support(char *why, size_t len)
{
	snprintf(why, len, "this vigil was built without its BPF probe (clang, bpftool or kernel BTF were missing at build time)");
	return -ENOTSUP;
}

struct live *live_open(const struct live_opts *o, char *err, size_t errlen)
{
	(void)o;
	live_check_support(err, errlen);
	errno = ENOTSUP;
	return NULL;
}

void live_close(struct live *l) { (void)l; }
void live_set_interesting(struct live *l, const struct evtset *types) { (void)l; (void)types; }
unsigned live_wanted_count(const struct live *l) { (void)l; return 0; }
int live_next(struct live *l, struct event *ev, int timeout_ms) { (void)l; (void)ev; (void)timeout_ms; return -ENOTSUP; }
void live_get_stats(struct live *l, struct live_stats *s) { (void)l; memset(s, 0, sizeof(*s)); }
int live_get_cpu_stats(struct live *l, struct live_stats *per_cpu, int max) { (void)l, (void)per_cpu, (void)max; return 0; }
int live_prog_stats(struct live *l, live_prog_stat_fn fn, void *ud) { (void)l, (void)fn, (void)ud; return 0; }
int live_enable_bpf_stats(void) { return -ENOSYS; }
void live_get_policy_counters(struct live *l, struct vg_pol_counters *out) { (void)l; memset(out, 0, sizeof(*out)); }
int live_policy_swap(struct live *l, const struct pol_kernel *next, const struct pol_kernel *cur, char *err,
		     size_t errlen) { (void)l; (void)next; (void)cur; snprintf(err, errlen, "no BPF probe"); return -ENOTSUP; }
int live_pod_cgroup(struct live *l, uint64_t cgid, const char *ns) { (void)l; (void)cgid; (void)ns; return -ENOTSUP; }

#else

#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capture/live_policy.h"
#include "event/event_table.h"
#include "rules/compile.h"
#include "vigil.skel.h"

#define DEFAULT_RING_BYTES (4u << 20)
#define RB_BUSY (1u << 31)
#define RB_DISCARD (1u << 30)
#define RB_HDR 8u

struct ring {
	int fd;
	unsigned long *consumer;	/* rw page */
	const unsigned long *producer;	/* ro: producer page, then the data twice */
	const uint8_t *data;
	size_t size;
	/* the peeked head record */
	bool has_head;
	uint64_t head_ts;
	const uint8_t *head;		/* the vg_ring_rec */
	uint32_t head_len;
	unsigned long head_next;	/* consumer position past it */
};

struct live {
	struct vigil_bpf *skel;
	int ncpu;
	struct ring *rings;
	uint64_t idle_ns;		/* the next sleep when every ring is empty */
	int consume;			/* ring whose head was handed out, -1 none */
	size_t page;
	uint8_t wanted[VG_SYSCALL_MAX];
	uint8_t has_prog[VG_SYSCALL_MAX];
	struct live_stats us;		/* user-space counters */
	struct live_deny *deny;		/* Override's deny points, NULL without */
	unsigned long long denied_before;	/* ... denied by the ones replaced */
};

/* Syscalls the state engine always needs (Falco's base set, as events). */
static const char *const base_syscalls[] = {
	"clone", "clone3", "fork", "vfork", "execve", "execveat",
	"open", "openat", "openat2", "creat", "close", "dup", "dup2", "dup3",
	"socket", "socketpair", "bind", "listen", "connect", "accept", "accept4", "shutdown",
	"pipe", "pipe2", "eventfd", "eventfd2", "signalfd", "signalfd4", "inotify_init",
	"inotify_init1", "timerfd_create", "userfaultfd", "bpf", "fcntl", "chdir", "fchdir",
	"setuid", "setgid", "setresuid", "setresgid", "setsid", "setpgid", "chroot",
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static bool has_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return false;
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

int live_check_support(char *why, size_t len)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "the kernel has no BTF (/sys/kernel/btf/vmlinux is missing): vigil's probe is CO-RE and needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	const int cap_sys_admin = 21, cap_perfmon = 38, cap_bpf = 39, cap_sys_ptrace = 19;
	if (!has_cap(cap_sys_admin) && !(has_cap(cap_bpf) && has_cap(cap_perfmon))) {
		snprintf(why, len, "live capture needs root, or CAP_BPF and CAP_PERFMON (to load the probe) with CAP_SYS_PTRACE (to read /proc); this process has neither");
		return -EPERM;
	}
	if (!has_cap(cap_sys_admin) && !has_cap(cap_sys_ptrace)) {
		snprintf(why, len, "live capture needs CAP_SYS_PTRACE to read the processes in /proc at start");
		return -EPERM;
	}
	return 0;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int ring_map(struct live *l, struct ring *r, int fd, size_t size, char *err, size_t errlen)
{
	r->fd = fd;
	r->size = size;
	r->consumer = mmap(NULL, l->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->consumer == MAP_FAILED) {
		r->consumer = NULL;
		snprintf(err, errlen, "cannot map a ring buffer: %s", strerror(errno));
		return -errno;
	}
	void *p = mmap(NULL, l->page + 2 * size, PROT_READ, MAP_SHARED, fd, (off_t)l->page);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map a ring buffer: %s", strerror(errno));
		return -errno;
	}
	r->producer = p;
	r->data = (const uint8_t *)p + l->page;
	return 0;
}

static void ring_unmap(struct live *l, struct ring *r)
{
	if (r->consumer)
		munmap(r->consumer, l->page);
	if (r->producer)
		munmap((void *)r->producer, l->page + 2 * r->size);
	if (r->fd >= 0)
		close(r->fd);
}

/* Route every syscall number to its sys_exit program: the one named after
 * the syscall, else the one named after its exit event (dup2 -> dup). */
static void route_programs(struct live *l)
{
	int map = bpf_map__fd(l->skel->maps.vg_exit_progs);
	char name[64];
	for (uint32_t nr = 0; nr < VG_SYSCALL_MAX && nr < EV_SYSCALL_ROUTES_MAX; nr++) {
		const struct ev_syscall_route *rt = &ev_syscall_routes_x86_64[nr];
		l->skel->bss->vg_sc_code[nr] = rt->sc;
		const char *sc = ev_syscall_name(rt->sc);
		uint32_t xt = ev_syscall_exit(nr);
		const struct ev_info *xi = xt > 1 ? ev_info_get(xt) : NULL;
		struct bpf_program *p = NULL;
		if (sc) {
			snprintf(name, sizeof(name), "vg_x_%s", sc);
			p = bpf_object__find_program_by_name(l->skel->obj, name);
		}
		if (!p && xi) {
			snprintf(name, sizeof(name), "vg_x_%s", xi->name);
			p = bpf_object__find_program_by_name(l->skel->obj, name);
		}
		if (!p)
			continue;
		int fd = bpf_program__fd(p);
		if (fd >= 0 && !bpf_map_update_elem(map, &nr, &fd, BPF_ANY))
			l->has_prog[nr] = 1;
	}
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

void live_set_interesting(struct live *l, const struct evtset *types)
{
	for (uint32_t nr = 0; nr < VG_SYSCALL_MAX && nr < EV_SYSCALL_ROUTES_MAX; nr++) {
		const struct ev_syscall_route *rt = &ev_syscall_routes_x86_64[nr];
		const char *sc = ev_syscall_name(rt->sc);
		uint32_t xt = ev_syscall_exit(nr);	/* its enter event is xt - 1 */
		bool want;
		if (!types)
			want = rt->sc || l->has_prog[nr];
		else if (l->has_prog[nr])
			want = (xt > 1 && (evtset_has(types, xt) || evtset_has(types, xt - 1))) ||
			       (sc && name_in(sc, base_syscalls, sizeof(base_syscalls) / sizeof(base_syscalls[0])));
		else
			want = rt->sc && evtset_has_sc(types, rt->sc);
		l->wanted[nr] = want;
	}
	memcpy(l->skel->bss->vg_sc_wanted, l->wanted, sizeof(l->wanted));
}

unsigned live_wanted_count(const struct live *l)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < VG_SYSCALL_MAX; i++)
		n += l->wanted[i];
	return n;
}

struct live *live_open(const struct live_opts *o, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof(*l));
	int rc;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->consume = -1;
	l->page = (size_t)sysconf(_SC_PAGESIZE);
	size_t ring_bytes = o && o->ring_bytes ? o->ring_bytes : DEFAULT_RING_BYTES;
	if (ring_bytes < l->page || (ring_bytes & (ring_bytes - 1))) {
		snprintf(err, errlen, "ring buffer size %zu is not a power of two of at least %zu", ring_bytes, l->page);
		free(l);
		errno = EINVAL;
		return NULL;
	}
	libbpf_set_print(libbpf_log);
	l->ncpu = libbpf_num_possible_cpus();
	if (l->ncpu <= 0) {
		snprintf(err, errlen, "cannot count CPUs: %s", strerror(-l->ncpu));
		goto fail;
	}
	l->skel = vigil_bpf__open();
	if (!l->skel) {
		snprintf(err, errlen, "cannot open the BPF probe: %s", strerror(errno));
		goto fail;
	}
	if (l->skel->rodata->vg_abi_version != VIGIL_EVENTS_ABI_VERSION) {
		snprintf(err, errlen, "the BPF probe speaks event ABI %u, this vigil %u: rebuild", l->skel->rodata->vg_abi_version,
			 VIGIL_EVENTS_ABI_VERSION);
		errno = EPROTO;
		goto fail;
	}
	l->skel->rodata->vg_self_tgid = (uint32_t)getpid();
	l->skel->rodata->vg_boot_ts = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);

	/* one ring per CPU; an inner map template for the array of rings */
	int tmpl = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, (uint32_t)ring_bytes, NULL);
	if (tmpl < 0) {
		snprintf(err, errlen, "cannot create a ring buffer: %s", strerror(errno));
		goto fail;
	}
	bpf_map__set_inner_map_fd(l->skel->maps.vg_rings, tmpl);
	bpf_map__set_max_entries(l->skel->maps.vg_rings, (uint32_t)l->ncpu);
	bpf_map__set_max_entries(l->skel->maps.vg_scratch, (uint32_t)l->ncpu * 4);	/* VG_SLOTS */
	struct bpf_program *p;
	/* VIGIL_BPF_STATS=1: print each program's verifier statistics */
	bool vstats = getenv("VIGIL_BPF_STATS") != NULL;
	char (*vlog)[1024] = vstats ? calloc(256, sizeof(*vlog)) : NULL;
	int nv = 0;
	bpf_object__for_each_program(p, l->skel->obj) {
		if (!strncmp(bpf_program__name(p), "vg_x_", 5))
			bpf_program__set_autoattach(p, false);
		if (vlog && nv < 256) {
			bpf_program__set_log_level(p, 4);
			bpf_program__set_log_buf(p, vlog[nv++], sizeof(vlog[0]));
		}
	}
	/* TracingPolicy programs: attached only with policies */
	live_policy_prepare(l->skel, o ? o->policy : NULL, l->ncpu);
	rc = vigil_bpf__load(l->skel);
	if (vlog) {
		bpf_object__for_each_program(p, l->skel->obj) {
			size_t logsz = 0;
			const char *log = bpf_program__log_buf(p, &logsz);
			const char *proc = log ? strstr(log, "processed") : NULL;
			if (proc)
				fprintf(stderr, "bpf %-22s %.*s\n", bpf_program__name(p), (int)strcspn(proc, "\n"), proc);
		}
		free(vlog);
	}
	close(tmpl);
	if (rc) {
		snprintf(err, errlen, "the kernel refused the BPF probe: %s (see the libbpf messages above)", strerror(-rc));
		errno = -rc;
		goto fail;
	}

	l->rings = calloc((size_t)l->ncpu, sizeof(*l->rings));
	if (!l->rings) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int c = 0; c < l->ncpu; c++)
		l->rings[c].fd = -1;
	for (int c = 0; c < l->ncpu; c++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, (uint32_t)ring_bytes, NULL);
		uint32_t key = (uint32_t)c;
		if (fd < 0) {
			snprintf(err, errlen, "cannot create a ring buffer: %s", strerror(errno));
			goto fail;
		}
		if (ring_map(l, &l->rings[c], fd, ring_bytes, err, errlen))
			goto fail;
		if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.vg_rings), &key, &fd, BPF_ANY)) {
			snprintf(err, errlen, "cannot install a ring buffer: %s", strerror(errno));
			goto fail;
		}
	}
	route_programs(l);
	live_set_interesting(l, NULL);
	if (o && o->policy && (rc = live_policy_install(l->skel, o->policy, err, errlen))) {
		errno = -rc;
		goto fail;
	}
	rc = vigil_bpf__attach(l->skel);
	if (rc) {
		snprintf(err, errlen, "cannot attach the BPF probe to its tracepoints: %s", strerror(-rc));
		errno = -rc;
		goto fail;
	}
	if (o && o->policy && (rc = live_deny_start(l->skel, o->policy, &l->deny, err, errlen))) {
		errno = -rc;
		goto fail;
	}
	return l;
fail:
	rc = errno ? errno : EINVAL;
	live_close(l);
	errno = rc;
	return NULL;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	live_deny_stop(l->deny);
	if (l->skel)
		vigil_bpf__destroy(l->skel);
	for (int c = 0; l->rings && c < l->ncpu; c++)
		ring_unmap(l, &l->rings[c]);
	free(l->rings);
	free(l);
}

/* Look at the next record of a ring without consuming it. */
static bool ring_peek(struct live *l, struct ring *r)
{
	if (r->has_head)
		return true;
	unsigned long cons = *r->consumer;
	for (;;) {
		unsigned long prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		const uint32_t *hdr = (const uint32_t *)(r->data + (cons & (r->size - 1)));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY)
			break;
		uint32_t rlen = len & ~(RB_BUSY | RB_DISCARD);
		unsigned long next = cons + ((rlen + RB_HDR + 7) & ~7u);
		if ((len & RB_DISCARD) || rlen < sizeof(struct vg_ring_rec) + VG_EVT_HDR_SIZE) {
			if (!(len & RB_DISCARD))
				l->us.n_bad++;
			cons = next;
			__atomic_store_n(r->consumer, cons, __ATOMIC_RELEASE);
			continue;
		}
		r->head = (const uint8_t *)hdr + RB_HDR;
		r->head_len = rlen;
		r->head_next = next;
		r->head_ts = rd64(r->head + sizeof(struct vg_ring_rec));
		r->has_head = true;
		return true;
	}
	return false;
}

static void ring_consume(struct ring *r)
{
	__atomic_store_n(r->consumer, r->head_next, __ATOMIC_RELEASE);
	r->has_head = false;
}

/* The ring whose head is the oldest event, or -1 when all are empty. */
static int oldest_ring(struct live *l)
{
	int best = -1;
	for (int c = 0; c < l->ncpu; c++)
		if (ring_peek(l, &l->rings[c]) && (best < 0 || l->rings[c].head_ts < l->rings[best].head_ts))
			best = c;
	return best;
}

int live_next(struct live *l, struct event *ev, int timeout_ms)
{
	if (l->consume >= 0) {
		ring_consume(&l->rings[l->consume]);
		l->consume = -1;
	}
	uint64_t waited = 0, limit = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000ull : 0;
	for (;;) {
		int best;
		while ((best = oldest_ring(l)) >= 0) {
			struct ring *r = &l->rings[best];
			const struct vg_ring_rec *rec = (const struct vg_ring_rec *)r->head;
			const char *why = NULL;
			l->idle_ns = 0;
			if (event_decode(ev, r->head + sizeof(*rec), r->head_len - (uint32_t)sizeof(*rec), VG_EVT_HDR_SIZE,
					 &why) == 0) {
				ev->cpuid = rec->cpu;
				ev->dump_flags = 0;
				l->consume = best;
				l->us.n_read++;
				return 1;
			}
			/* a malformed event is a probe bug: count it, skip it */
			l->us.n_bad++;
			ring_consume(r);
		}
		if (waited >= limit)
			return 0;
		l->idle_ns = l->idle_ns ? l->idle_ns * 2 : 50000;
		if (l->idle_ns > 5000000)
			l->idle_ns = 5000000;
		uint64_t d = l->idle_ns < limit - waited ? l->idle_ns : limit - waited;
		struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };
		nanosleep(&ts, NULL);
		waited += d;
	}
}

void live_get_stats(struct live *l, struct live_stats *s)
{
	*s = l->us;
	struct vg_counters *pc = calloc((size_t)l->ncpu, sizeof(*pc));
	uint32_t zero = 0;
	if (pc && !bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.vg_counters), &zero, pc)) {
		for (int c = 0; c < l->ncpu; c++) {
			s->n_evts += pc[c].n_evts;
			s->n_drops_buffer += pc[c].n_drops_buffer;
			for (int k = 0; k < VG_DROP_CAT_MAX; k++)
				s->n_drops_buffer_cat[k] += pc[c].n_drops_buffer_cat[k];
			s->n_drops_scratch += pc[c].n_drops_scratch;
			s->n_drops_nomap += pc[c].n_drops_nomap;
			s->n_truncated += pc[c].n_truncated;
			s->n_unreadable += pc[c].n_unreadable;
		}
	}
	free(pc);
	/* runs the kernel skipped because the program was already running on
	 * that CPU (a preempted run): events lost without the probe knowing */
	struct bpf_program *p;
	bpf_object__for_each_program(p, l->skel->obj) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_program__fd(p) >= 0 && !bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			s->n_drops_recursion += info.recursion_misses;
	}
}

int live_policy_swap(struct live *l, const struct pol_kernel *next, const struct pol_kernel *cur, char *err,
		     size_t errlen)
{
	if (cur && next->gen == cur->gen) {
		snprintf(err, errlen, "the new policies were compiled for the generation in force");
		return -EINVAL;
	}
	int rc = live_policy_install(l->skel, next, err, errlen);
	struct live_deny *d = NULL;
	if (!rc)
		rc = live_deny_start(l->skel, next, &d, err, errlen);
	if (rc) {
		live_deny_stop(d);
		live_policy_uninstall(l->skel, next, cur);
		return rc;
	}
	/* the switch: every sys_enter run from now on reads `next` */
	__atomic_store_n(&l->skel->bss->vg_pol_gen, next->gen, __ATOMIC_SEQ_CST);
	/* runs in flight finish within microseconds (non-sleepable programs) */
	usleep(50000);
	live_policy_uninstall(l->skel, cur, next);
	struct live_deny *old = l->deny;
	__atomic_store_n(&l->deny, d, __ATOMIC_SEQ_CST);
	l->denied_before += live_deny_count(old);
	live_deny_stop(old);
	return 0;
}

int live_get_cpu_stats(struct live *l, struct live_stats *per_cpu, int max)
{
	struct vg_counters *pc = calloc((size_t)l->ncpu, sizeof(*pc));
	uint32_t zero = 0;
	int n = l->ncpu < max ? l->ncpu : max;
	memset(per_cpu, 0, (size_t)n * sizeof(*per_cpu));
	if (!pc || bpf_map_lookup_elem(bpf_map__fd(l->skel->maps.vg_counters), &zero, pc)) {
		free(pc);
		return -EIO;
	}
	for (int c = 0; c < n; c++) {
		struct live_stats *s = &per_cpu[c];
		s->n_evts = pc[c].n_evts;
		s->n_drops_buffer = pc[c].n_drops_buffer;
		for (int k = 0; k < VG_DROP_CAT_MAX; k++)
			s->n_drops_buffer_cat[k] = pc[c].n_drops_buffer_cat[k];
		s->n_drops_scratch = pc[c].n_drops_scratch;
		s->n_drops_nomap = pc[c].n_drops_nomap;
		s->n_truncated = pc[c].n_truncated;
		s->n_unreadable = pc[c].n_unreadable;
	}
	free(pc);
	return n;
}

int live_enable_bpf_stats(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd >= 0 ? fd : -errno;
}

int live_prog_stats(struct live *l, live_prog_stat_fn fn, void *ud)
{
	struct bpf_program *p;
	int n = 0;
	bpf_object__for_each_program(p, l->skel->obj) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_program__fd(p) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		fn(ud, bpf_program__name(p), info.run_time_ns, info.run_cnt, info.recursion_misses);
		n++;
	}
	return n;
}

int live_pod_cgroup(struct live *l, uint64_t cgid, const char *ns)
{
	return live_policy_pod_cgroup(l->skel, cgid, ns);
}

void live_get_policy_counters(struct live *l, struct vg_pol_counters *out)
{
	live_policy_counters(l->skel, l->ncpu, out);
	out->n_denied += l->denied_before + live_deny_count(__atomic_load_n(&l->deny, __ATOMIC_SEQ_CST));
}

#endif /* VIGIL_HAVE_BPF */
