// SPDX-License-Identifier: GPL-2.0-only
/*
 * net.bpf.c - sys_exit programs of the socket syscalls: socket, socketpair,
 * bind, listen, connect, accept, shutdown and the send/recv family. Tuples
 * come from the kernel's socket (what the connection really is), addresses
 * passed by the caller from user memory. send/recv carry metadata only
 * (sizes and tuples), never payload.
 */
#include "common.bpf.h"
#include "flags.bpf.h"
#include "task.bpf.h"

#define ARG(i) vg_arg(regs, i)
#define BEGIN(type, n)                                               \
	struct vg_ev e;                                              \
	if (vg_ev_begin(&e, VG_SLOT_SYS_EXIT, type, n))              \
		return 0

/* socket(domain, type, proto): fd, domain, type, proto */
VG_EXIT_PROG(vg_x_socket)
{
	BEGIN(VG_EV_SOCKET_X, 4);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, (__u32)ARG(0));	/* AF_* numbers are the scap ones */
	vg_push_u32(&e, (__u32)ARG(1));
	vg_push_u32(&e, (__u32)ARG(2));
	vg_ev_submit(&e);
	return 0;
}

/* socketpair(domain, type, proto, fds): res, fd1, fd2, source, peer, domain, type, proto */
VG_EXIT_PROG(vg_x_socketpair)
{
	int fds[2] = { -1, -1 };
	__u64 src = 0, peer = 0;
	BEGIN(VG_EV_SOCKETPAIR_X, 8);
	if (ret == 0) {
		bpf_probe_read_user(fds, sizeof(fds), (void *)ARG(3));
		struct socket *s = vg_file_socket(vg_fd_file(vg_task(), fds[0]));
		struct sock *sk = s ? BPF_CORE_READ(s, sk) : NULL;
		src = (__u64)sk;
		if (sk)
			peer = (__u64)BPF_CORE_READ((struct unix_sock *)sk, peer);
	}
	vg_push_s64(&e, ret);
	vg_push_s64(&e, fds[0]);
	vg_push_s64(&e, fds[1]);
	vg_push_u64(&e, src);
	vg_push_u64(&e, peer);
	vg_push_u32(&e, (__u32)ARG(0));
	vg_push_u32(&e, (__u32)ARG(1));
	vg_push_u32(&e, (__u32)ARG(2));
	vg_ev_submit(&e);
	return 0;
}

/* bind(fd, addr, len): res, addr, fd */
VG_EXIT_PROG(vg_x_bind)
{
	BEGIN(VG_EV_BIND_X, 3);
	vg_push_s64(&e, ret);
	vg_push_user_sockaddr(&e, (void *)ARG(1), ARG(2));
	vg_push_s64(&e, (__s32)ARG(0));
	vg_ev_submit(&e);
	return 0;
}

/* listen(fd, backlog): res, fd, backlog */
VG_EXIT_PROG(vg_x_listen)
{
	BEGIN(VG_EV_LISTEN_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u32(&e, (__u32)ARG(1));
	vg_ev_submit(&e);
	return 0;
}

/* connect(fd, addr, len): res, tuple, fd, addr. A connect in progress
 * (EINPROGRESS) already has its tuple. */
VG_EXIT_PROG(vg_x_connect)
{
	__s64 fd = (__s32)ARG(0);
	BEGIN(VG_EV_CONNECT_X, 4);
	vg_push_s64(&e, ret);
	if (ret == 0 || ret == -115)
		vg_push_socktuple(&e, vg_task(), fd, 0);
	else
		vg_push_empty(&e);
	vg_push_s64(&e, fd);
	vg_push_user_sockaddr(&e, (void *)ARG(1), ARG(2));
	vg_ev_submit(&e);
	return 0;
}

/* accept(fd, addr, len) / accept4(..., flags): fd, tuple, queuepct,
 * queuelen, queuemax[, flags] */
static __always_inline int do_accept(__u16 type, __u32 n, struct pt_regs *regs, long ret)
{
	struct task_struct *t = vg_task();
	__u32 qlen = 0, qmax = 0;
	struct socket *ls = vg_file_socket(vg_fd_file(t, (__s32)ARG(0)));
	struct sock *lsk = ls ? BPF_CORE_READ(ls, sk) : NULL;
	if (lsk) {
		qlen = BPF_CORE_READ(lsk, sk_ack_backlog);
		qmax = BPF_CORE_READ(lsk, sk_max_ack_backlog);
	}
	BEGIN(type, n);
	vg_push_s64(&e, ret);
	if (ret >= 0)
		vg_push_socktuple(&e, t, ret, 1);
	else
		vg_push_empty(&e);
	vg_push_u8(&e, qmax ? (__u8)(qlen * 100 / qmax) : 0);
	vg_push_u32(&e, qlen);
	vg_push_u32(&e, qmax);
	if (n > 5)
		vg_push_s32(&e, (__s32)ARG(3));
	vg_ev_submit(&e);
	return 0;
}

VG_EXIT_PROG(vg_x_accept) { return do_accept(VG_EV_ACCEPT_5_X, 5, regs, ret); }
VG_EXIT_PROG(vg_x_accept4) { return do_accept(VG_EV_ACCEPT4_6_X, 6, regs, ret); }

/* shutdown(fd, how): res, fd, how */
VG_EXIT_PROG(vg_x_shutdown)
{
	BEGIN(VG_EV_SHUTDOWN_X, 3);
	vg_push_s64(&e, ret);
	vg_push_s64(&e, (__s32)ARG(0));
	vg_push_u8(&e, (__u8)ARG(1));	/* SHUT_* values are the scap ones */
	vg_ev_submit(&e);
	return 0;
}

/* sendto(fd, buf, len, flags, addr, addrlen): res, data, fd, size, tuple */
VG_EXIT_PROG(vg_x_sendto)
{
	__s64 fd = (__s32)ARG(0);
	BEGIN(VG_EV_SENDTO_X, 5);
	vg_push_s64(&e, ret);
	vg_push_empty(&e);
	vg_push_s64(&e, fd);
	vg_push_u32(&e, (__u32)ARG(2));
	vg_push_socktuple(&e, vg_task(), fd, 0);
	vg_ev_submit(&e);
	return 0;
}

/* sendmsg(fd, msg, flags): res, data, fd, size, tuple */
VG_EXIT_PROG(vg_x_sendmsg)
{
	__s64 fd = (__s32)ARG(0);
	struct user_msghdr mh = {};
	struct iovec iov = {};
	bpf_probe_read_user(&mh, sizeof(mh), (void *)ARG(1));
	if (mh.msg_iov && mh.msg_iovlen)
		bpf_probe_read_user(&iov, sizeof(iov), mh.msg_iov);
	BEGIN(VG_EV_SENDMSG_X, 5);
	vg_push_s64(&e, ret);
	vg_push_empty(&e);
	vg_push_s64(&e, fd);
	vg_push_u32(&e, (__u32)iov.iov_len);
	vg_push_socktuple(&e, vg_task(), fd, 0);
	vg_ev_submit(&e);
	return 0;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen): res, data, tuple, fd, size */
VG_EXIT_PROG(vg_x_recvfrom)
{
	__s64 fd = (__s32)ARG(0);
	BEGIN(VG_EV_RECVFROM_X, 5);
	vg_push_s64(&e, ret);
	vg_push_empty(&e);
	vg_push_socktuple(&e, vg_task(), fd, 1);
	vg_push_s64(&e, fd);
	vg_push_u32(&e, (__u32)ARG(2));
	vg_ev_submit(&e);
	return 0;
}

/* recvmsg(fd, msg, flags): res, size, data, tuple, fd */
VG_EXIT_PROG(vg_x_recvmsg)
{
	__s64 fd = (__s32)ARG(0);
	BEGIN(VG_EV_RECVMSG_X, 5);
	vg_push_s64(&e, ret);
	vg_push_u32(&e, ret > 0 ? (__u32)ret : 0);
	vg_push_empty(&e);
	vg_push_socktuple(&e, vg_task(), fd, 1);
	vg_push_s64(&e, fd);
	vg_ev_submit(&e);
	return 0;
}

