/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * task.bpf.h - reading the kernel's view of a task with CO-RE: credentials,
 * pid namespace numbers, the tty, resource limits, open files, paths (a
 * bounded walk of dentries and mounts into scratch memory), cgroup paths
 * and socket tuples, encoded the way events.h parameters expect them.
 */
#ifndef VIGIL_TASK_BPF_H
#define VIGIL_TASK_BPF_H

#include "common.bpf.h"

#define VG_PATH_DEPTH 40	/* components walked for one path */
#define VG_S_IFMT 00170000
#define VG_S_IFSOCK 0140000
#define VG_OVERLAYFS_MAGIC 0x794c7630
#define VG_AF_INET_K 2
#define VG_AF_INET6_K 10
#define VG_AF_UNIX_K 1
#define VG_RLIMIT_NOFILE 7

/* Kernels before 6.15 named kernfs_node.__parent "parent". */
struct kernfs_node___old {
	struct kernfs_node *parent;
};

static __always_inline struct task_struct *vg_task(void)
{
	return (struct task_struct *)bpf_get_current_task_btf();
}

/* The number of `pid` in its own (deepest) namespace. */
static __always_inline __s64 vg_pid_vnr(struct pid *pid)
{
	if (!pid)
		return 0;
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid up;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]))
		return 0;
	return up.nr;
}

static __always_inline __s64 vg_task_vtid(struct task_struct *t)
{
	return vg_pid_vnr(BPF_CORE_READ(t, thread_pid));
}

static __always_inline __s64 vg_task_vpid(struct task_struct *t)
{
	return vg_pid_vnr(BPF_CORE_READ(t, signal, pids[PIDTYPE_TGID]));
}

static __always_inline __s64 vg_task_pgid(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]);
	return p ? BPF_CORE_READ(p, numbers[0].nr) : 0;
}

static __always_inline __s64 vg_task_vpgid(struct task_struct *t)
{
	return vg_pid_vnr(BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]));
}

/* The parent as Falco reports it: the real parent's thread-group id. */
static __always_inline __s64 vg_task_ptid(struct task_struct *t)
{
	return BPF_CORE_READ(t, real_parent, tgid);
}

/* Does the task live in a pid namespace below the initial one? */
static __always_inline int vg_task_in_child_pidns(struct task_struct *t)
{
	return BPF_CORE_READ(t, thread_pid, level) > 0;
}

/* Will the task's children live in another pid namespace than its own?
 * (after unshare(CLONE_NEWPID) or setns() to a pid namespace) */
static __always_inline int vg_task_children_in_other_pidns(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up;
	if (bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]))
		return 0;
	struct pid_namespace *children = BPF_CORE_READ(t, nsproxy, pid_ns_for_children);
	return children && children != up.ns;
}

/* Start time (epoch ns) of the init process of the task's pid namespace. */
static __always_inline __u64 vg_pidns_init_start_ts(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up;
	if (bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]) || !up.ns)
		return 0;
	struct task_struct *reaper = BPF_CORE_READ(up.ns, child_reaper);
	if (!reaper)
		return 0;
	return BPF_CORE_READ(reaper, start_boottime) + vg_boot_ts;
}

/* The controlling tty as /proc/<pid>/stat encodes it (tty_nr), 0 if none. */
static __always_inline __u32 vg_task_tty(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(tty, driver, major);
	int minor = BPF_CORE_READ(tty, driver, minor_start) + index;
	return ((__u32)major << 8) | ((__u32)minor & 0xff) | (((__u32)minor & ~0xffu) << 12);
}

static __always_inline __u64 vg_task_fdlimit(struct task_struct *t)
{
	return BPF_CORE_READ(t, signal, rlim[VG_RLIMIT_NOFILE].rlim_cur);
}

/* The file behind descriptor fd of the task (BTF-typed: from
 * bpf_get_current_task_btf()), or NULL. The result is BTF-typed too. */
static __always_inline struct file *vg_fd_file(struct task_struct *t, __s64 fd)
{
	if (fd < 0)
		return NULL;
	struct files_struct *files = t->files;
	if (!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if (!fdt || (__u64)fd >= fdt->max_fds)
		return NULL;
	__u64 slot = (__u64)fdt->fd + (__u64)fd * sizeof(void *);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), (void *)slot);
	return f ? VG_BTF(struct file, f) : NULL;
}

static __always_inline __u32 vg_file_dev(struct file *f)
{
	dev_t dev = f->f_inode->i_sb->s_dev;
	/* new_encode_dev, as /proc and the scap format use */
	__u32 major = dev >> 20, minor = dev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline __u64 vg_file_ino(struct file *f)
{
	return f->f_inode->i_ino;
}

/*
 * Paths. vg_path_build() writes the absolute path of (dentry, vfsmount)
 * backwards into the scratch tmp area so that it ends at tmp[VG_PATH_MAX - 1]
 * (the NUL); it returns the offset of the first byte. Mount points are
 * crossed through struct mount. The walks are bpf_loop()s and keep their
 * offsets in scratch memory (volatile, so unknown to the verifier): it then
 * checks one step of each loop instead of every iteration and nesting. A
 * path deeper than VG_PATH_DEPTH components is cut at the root side.
 */
#define VG_VU32(x) (*(volatile __u32 *)&(x))

struct vg_path_walk {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	struct vg_scratch *s;
};

static long vg_path_step(__u32 i, void *ctx)
{
	struct vg_path_walk *w = ctx;
	struct vg_scratch *s = w->s;
	struct dentry *d = w->d;
	struct vfsmount *vm = w->vm;
	struct mount *m = w->m;
	struct dentry *mnt_root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	int last = 0;
	if (d == mnt_root || d == parent) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if (d == mnt_root && m == mp)
			return 1;	/* the root of the root mount */
		if (d != mnt_root) {
			last = 1;	/* a pseudo file (memfd, anonymous inode): its own name only */
		} else {
			w->d = BPF_CORE_READ(m, mnt_mountpoint);
			w->m = mp;
			w->vm = (struct vfsmount *)((void *)mp + bpf_core_field_offset(struct mount, mnt));
			return 0;
		}
	}
	__u32 len = BPF_CORE_READ(d, d_name.len) & 255;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	__u32 off = VG_VU32(s->woff);
	if (len + 1 >= off || off >= VG_PATH_MAX)
		return 1;
	off -= len;
	bpf_probe_read_kernel(&s->tmp[off & (VG_PATH_MAX - 1)], len, name);
	off--;
	s->tmp[off & (VG_PATH_MAX - 1)] = '/';
	VG_VU32(s->woff) = off;
	w->d = parent;
	return last;
}

/* With `deleted` (the file has no links left), the path ends with
 * " (deleted)", as the kernel's d_path() and /proc/<pid>/exe show it. */
static __always_inline __u32 vg_path_build(struct dentry *d, struct vfsmount *vm, struct vg_scratch *s, int deleted)
{
	struct vg_path_walk w = {
		.d = d, .vm = vm, .s = s,
		.m = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt)),
	};
	__u32 start = VG_PATH_MAX - 1;
	s->tmp[VG_PATH_MAX - 1] = 0;
	if (deleted) {
		/* " (deleted)", stored byte by byte: a function-scope string
		 * constant lands in .rodata at a BTF offset clang 14 gets wrong */
		__u8 *sfx = &s->tmp[VG_PATH_MAX - 11];
		sfx[0] = ' '; sfx[1] = '('; sfx[2] = 'd'; sfx[3] = 'e'; sfx[4] = 'l';
		sfx[5] = 'e'; sfx[6] = 't'; sfx[7] = 'e'; sfx[8] = 'd'; sfx[9] = ')';
		start -= 10;
	}
	VG_VU32(s->woff) = start;
	bpf_loop(VG_PATH_DEPTH, vg_path_step, &w, 0);
	__u32 off = VG_VU32(s->woff);
	if (off == start) {
		off--;
		s->tmp[off & (VG_PATH_MAX - 1)] = '/';
	}
	return off & (VG_PATH_MAX - 1);
}

/* Push the path of `p` (a struct path) as a parameter. */
static __always_inline void vg_push_path(struct vg_ev *e, struct path *p)
{
	struct dentry *d = BPF_CORE_READ(p, dentry);
	struct vfsmount *vm = BPF_CORE_READ(p, mnt);
	if (!d || !vm) {
		vg_push_empty(e);
		return;
	}
	struct inode *ino = BPF_CORE_READ(d, d_inode);
	int deleted = ino && BPF_CORE_READ(ino, __i_nlink) == 0;
	__u32 off = vg_path_build(d, vm, e->s, deleted);
	vg_push_kbuf(e, &e->s->tmp[off], VG_PATH_MAX - off);
}

/* ---- cgroups: "subsys=/path" entries, NUL-separated ---- */

static __always_inline struct kernfs_node *vg_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

#define VG_CGROUP_DEPTH 16

struct vg_kn_walk {
	struct kernfs_node *kn;
	struct vg_scratch *s;
};

static long vg_kn_step(__u32 i, void *ctx)
{
	struct vg_kn_walk *w = ctx;
	struct vg_scratch *s = w->s;
	struct kernfs_node *kn = w->kn;
	struct kernfs_node *parent = vg_kn_parent(kn);
	if (!parent)
		return 1;	/* the hierarchy root: its name is not part of the path */
	/* staged past the path area: a name is read before its length is known */
	long n = bpf_probe_read_kernel_str(&s->tmp[VG_PATH_MAX], 256, BPF_CORE_READ(kn, name));
	if (n <= 1)
		return 1;
	__u32 len = (__u32)(n - 1) & 255;
	__u32 off = VG_VU32(s->woff);
	if (len + 1 >= off || off >= VG_PATH_MAX)
		return 1;
	off -= len;
	bpf_probe_read_kernel(&s->tmp[off & (VG_PATH_MAX - 1)], len, &s->tmp[VG_PATH_MAX]);
	off--;
	s->tmp[off & (VG_PATH_MAX - 1)] = '/';
	VG_VU32(s->woff) = off;
	w->kn = parent;
	return 0;
}

struct vg_cg_walk {
	struct vg_ev *e;
	struct css_set *cs;
};

/* One controller: append "name=/path\0" at the position + the bytes
 * already written (s->wtotal). */
static long vg_cg_step(__u32 i, void *ctx)
{
	struct vg_cg_walk *w = ctx;
	struct vg_ev *e = w->e;
	struct vg_scratch *s = e->s;
	struct cgroup_subsys_state *css = NULL;
	if (i >= CGROUP_SUBSYS_COUNT)
		return 1;
	struct css_set *cs = w->cs;
	bpf_core_read(&css, sizeof(css), &cs->subsys[i & 15]);
	if (!css)
		return 0;
	const char *ssname = BPF_CORE_READ(css, ss, name);
	struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
	if (!ssname || !kn)
		return 0;
	struct vg_kn_walk kw = { .kn = kn, .s = s };
	s->tmp[VG_PATH_MAX - 1] = 0;
	VG_VU32(s->woff) = VG_PATH_MAX - 1;
	bpf_loop(VG_CGROUP_DEPTH, vg_kn_step, &kw, 0);
	__u32 off = VG_VU32(s->woff);
	if (off == VG_PATH_MAX - 1) {
		off--;
		s->tmp[off & (VG_PATH_MAX - 1)] = '/';
	}
	off &= VG_PATH_MAX - 1;

	__u32 total = VG_VU32(s->wtotal);
	__u32 at = vg_pos(e) + total;
	if (total > VG_CGROUPS_MAX * 4 || at + 64 + VG_PATH_MAX + VG_FIXED_MARGIN > VG_SCRATCH_HALF)
		return 1;
	long n = bpf_probe_read_kernel_str(&e->buf[VG_OFF(at)], 64, ssname);
	if (n <= 1)
		return 0;
	__u32 wl = (__u32)n - 1;
	e->buf[VG_OFF(at + wl)] = '=';
	wl++;
	__u32 plen = (VG_PATH_MAX - off) & (VG_PATH_MAX * 2 - 1);
	if (plen > VG_PATH_MAX)
		return 1;
	if (bpf_probe_read_kernel(&e->buf[VG_OFF(at + wl)], plen, &s->tmp[off]))
		return 1;
	VG_VU32(s->wtotal) = total + wl + plen;
	return 0;
}

/* The cgroups parameter: one entry per controller of the task's css_set. */
static __always_inline void vg_push_cgroups(struct vg_ev *e, struct task_struct *t)
{
	struct vg_cg_walk w = { .e = e, .cs = BPF_CORE_READ(t, cgroups) };
	if (!w.cs) {
		vg_push_empty(e);
		return;
	}
	VG_VU32(e->s->wtotal) = 0;
	bpf_loop(CGROUP_SUBSYS_COUNT, vg_cg_step, &w, 0);
	vg_set_len(e, VG_VU32(e->s->wtotal) & (VG_SCRATCH_HALF - 1));
}

/* ---- sockets ---- */

static __always_inline struct socket *vg_file_socket(struct file *f)
{
	if (!f)
		return NULL;
	umode_t mode = f->f_inode->i_mode;
	if ((mode & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	void *priv = f->private_data;
	return priv ? VG_BTF(struct socket, priv) : NULL;
}

static __always_inline int vg_is_v4mapped(const __u8 *a)
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return 0;
	return a[10] == 0xff && a[11] == 0xff;
}

/*
 * A SOCKTUPLE parameter for the socket behind `fd`: for an outbound socket
 * (connect, send) source = local side, destination = peer; for an inbound
 * one (accept) the other way round. Unix sockets carry the kernel addresses
 * of both ends and the path. Empty when fd is not a socket.
 */
static __always_inline void vg_push_socktuple(struct vg_ev *e, struct task_struct *t, __s64 fd, int inbound)
{
	struct socket *sock = vg_file_socket(vg_fd_file(t, fd));
	struct sock *sk = sock ? sock->sk : NULL;
	if (!sk || !vg_room(e, 64 + VG_PATH_MAX)) {
		vg_push_empty(e);
		return;
	}
	__u16 family = sk->__sk_common.skc_family;
	__u8 *o = vg_at(e, 0);
	if (family == VG_AF_INET_K) {
		__u32 laddr = sk->__sk_common.skc_rcv_saddr;
		__u32 raddr = sk->__sk_common.skc_daddr;
		__u16 lport = sk->__sk_common.skc_num;
		__u16 rport = bpf_ntohs(sk->__sk_common.skc_dport);
		o[0] = VG_AF_INET;
		*(__u32 *)&o[1] = inbound ? raddr : laddr;
		*(__u16 *)&o[5] = inbound ? rport : lport;
		*(__u32 *)&o[7] = inbound ? laddr : raddr;
		*(__u16 *)&o[11] = inbound ? lport : rport;
		vg_set_len(e, 13);
		return;
	}
	if (family == VG_AF_INET6_K) {
		struct in6_addr l6 = sk->__sk_common.skc_v6_rcv_saddr;
		struct in6_addr r6 = sk->__sk_common.skc_v6_daddr;
		__u16 lport = sk->__sk_common.skc_num;
		__u16 rport = bpf_ntohs(sk->__sk_common.skc_dport);
		struct in6_addr *s = inbound ? &r6 : &l6, *d = inbound ? &l6 : &r6;
		__u16 sp = inbound ? rport : lport, dp = inbound ? lport : rport;
		if (vg_is_v4mapped(s->in6_u.u6_addr8) && vg_is_v4mapped(d->in6_u.u6_addr8)) {
			o[0] = VG_AF_INET;
			*(__u32 *)&o[1] = s->in6_u.u6_addr32[3];
			*(__u16 *)&o[5] = sp;
			*(__u32 *)&o[7] = d->in6_u.u6_addr32[3];
			*(__u16 *)&o[11] = dp;
			vg_set_len(e, 13);
			return;
		}
		o[0] = VG_AF_INET6;
		__builtin_memcpy(&o[1], s, 16);
		*(__u16 *)&o[17] = sp;
		__builtin_memcpy(&o[19], d, 16);
		*(__u16 *)&o[35] = dp;
		vg_set_len(e, 37);
		return;
	}
	if (family == VG_AF_UNIX_K) {
		struct unix_sock *us = (struct unix_sock *)sk;
		struct sock *peer = BPF_CORE_READ(us, peer);
		o[0] = VG_AF_UNIX;
		*(__u64 *)&o[1] = (__u64)sk;
		*(__u64 *)&o[9] = (__u64)peer;
		/* the path: the peer's bound address if connected, else ours */
		struct unix_address *ua = peer ? BPF_CORE_READ((struct unix_sock *)peer, addr) : BPF_CORE_READ(us, addr);
		__u32 w = 17;
		if (ua) {
			int alen = BPF_CORE_READ(ua, len);
			char *sun = (char *)ua->name[0].sun_path;
			char first = 0;
			bpf_probe_read_kernel(&first, 1, sun);
			if (first == 0 && alen > 2) {
				/* abstract socket: '@' then the name (not NUL-terminated) */
				o[17] = '@';
				__u32 n = (__u32)(alen - 3) & 127;
				bpf_probe_read_kernel(&o[18], n, sun + 1);
				o[18 + n] = 0;
				w = 18 + n + 1;
			} else {
				long n = bpf_probe_read_kernel_str(&o[17], 108, sun);
				w = n > 0 ? 17 + (__u32)n : 18;
				if (n <= 0)
					o[17] = 0;
			}
		} else {
			o[17] = 0;
			w = 18;
		}
		vg_set_len(e, w);
		return;
	}
	vg_push_empty(e);
}

/* A SOCKADDR parameter from a user-space struct sockaddr of `len` bytes. */
static __always_inline void vg_push_user_sockaddr(struct vg_ev *e, const void *uaddr, __u64 len)
{
	if (!uaddr || len < 2 || !vg_room(e, 128)) {
		vg_push_empty(e);
		return;
	}
	__u16 family = 0;
	if (bpf_probe_read_user(&family, 2, uaddr)) {
		vg_flag(e, VG_RF_UNREADABLE);
		vg_push_empty(e);
		return;
	}
	__u8 *o = vg_at(e, 0);
	if (family == VG_AF_INET_K && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;
		bpf_probe_read_user(&sin, sizeof(sin), uaddr);
		o[0] = VG_AF_INET;
		*(__u32 *)&o[1] = sin.sin_addr.s_addr;
		*(__u16 *)&o[5] = bpf_ntohs(sin.sin_port);
		vg_set_len(e, 7);
	} else if (family == VG_AF_INET6_K && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;
		bpf_probe_read_user(&sin6, sizeof(sin6), uaddr);
		o[0] = VG_AF_INET6;
		__builtin_memcpy(&o[1], &sin6.sin6_addr, 16);
		*(__u16 *)&o[17] = bpf_ntohs(sin6.sin6_port);
		vg_set_len(e, 19);
	} else if (family == VG_AF_UNIX_K) {
		o[0] = VG_AF_UNIX;
		char first = 0;
		bpf_probe_read_user(&first, 1, uaddr + 2);
		if (first == 0 && len > 3) {
			o[1] = '@';
			__u32 n = (__u32)(len - 3) & 127;
			bpf_probe_read_user(&o[2], n, uaddr + 3);
			o[2 + n] = 0;
			vg_set_len(e, 3 + n);
		} else {
			long n = bpf_probe_read_user_str(&o[1], 108, uaddr + 2);
			if (n <= 0) {
				o[1] = 0;
				n = 1;
			}
			vg_set_len(e, 1 + (__u32)n);
		}
	} else {
		o[0] = (__u8)family;
		vg_set_len(e, 1);
	}
}

#endif /* VIGIL_TASK_BPF_H */
