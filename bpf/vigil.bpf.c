// SPDX-License-Identifier: GPL-2.0-only
/*
 * vigil.bpf.c - the probe, built as one compilation unit from its parts:
 * the sys_exit dispatcher, the programs of the file, network and process
 * syscalls, and the TracingPolicy programs. One unit rather than objects linked by bpftool because libbpf
 * 1.1's static linker cannot merge a kfunc extern (bpf_rdonly_cast) that
 * several objects declare.
 */
#include "dispatch.bpf.c"
#include "fs.bpf.c"
#include "net.bpf.c"
#include "proc.bpf.c"
#include "policy.bpf.c"

char LICENSE[] SEC("license") = "GPL";
