/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_container.c - unit tests for container identity and metadata
 * (src/state/container.c): container ids and runtimes from real-looking
 * cgroup files of every runtime layout (cgroup v1 and v2, systemd and
 * cgroupfs drivers, kubepods QoS classes, conmon scopes that are the host's),
 * the container table, and the container JSON documents captures carry:
 * replacement on a new document, sorted labels, pod sandbox labels, mounts,
 * missing keys read as "", bad documents refused; and the container/k8s
 * fields as Falco's container plugin shows them for the host, a container
 * known only by its cgroups and one with metadata (labels list, mount
 * regular expressions, pod fields from the sandbox), and users from a
 * container's own lists.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture/scap.h"
#include "rules/fields.h"
#include "state/container.h"
#include "state/state.h"

#define ID1 "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e"
#define ID2 "63060edc2d3aa803ab559f2393776b151f99fc5b05035b21db66b3b62246ad6a"

/* A /proc/PID/cgroup file as the state keeps it: "subsys=/path" NUL-separated. */
static size_t cgroups_of(char *buf, size_t cap, const char *const *lines)
{
	size_t n = 0;
	for (size_t i = 0; lines[i]; i++) {
		size_t l = strlen(lines[i]);
		assert_true(n + l + 1 <= cap);
		memcpy(buf + n, lines[i], l + 1);
		n += l + 1;
	}
	return n;
}

static void expect_container(const char *const *lines, const char *id, const char *type)
{
	char buf[8192], got[65];
	const char *t = NULL;
	size_t n = cgroups_of(buf, sizeof(buf), lines);
	if (!container_id_from_cgroups(buf, n, got, sizeof(got), &t))
		fail_msg("no container found in %s", lines[0]);
	assert_string_equal(got, id);
	assert_string_equal(t, type);
}

static void expect_host(const char *const *lines)
{
	char buf[8192], got[65];
	const char *t = NULL;
	size_t n = cgroups_of(buf, sizeof(buf), lines);
	if (container_id_from_cgroups(buf, n, got, sizeof(got), &t))
		fail_msg("%s: host process taken for container %s (%s)", lines[0], got, t);
}

#define V1(path)                                                                                     \
	(const char *const[]) {                                                                      \
		"cpuset=" path, "cpu,cpuacct=" path, "blkio=" path, "memory=" path, "devices=" path, \
			"freezer=" path, "pids=" path, "name=systemd=" path, NULL                    \
	}
#define V2(path) (const char *const[]){ "=" path, NULL }

static void test_docker(void **state)
{
	(void)state;
	/* cgroupfs driver (v1), systemd driver (v1 and v2) */
	expect_container(V1("/docker/" ID1), ID1, "docker");
	expect_container(V1("/system.slice/docker-" ID1 ".scope"), ID1, "docker");
	expect_container(V2("/system.slice/docker-" ID1 ".scope"), ID1, "docker");
	/* a systemd running inside the container keeps its processes in it */
	expect_container(V2("/system.slice/docker-" ID1 ".scope/init.scope"), ID1, "docker");
	expect_container(V2("/system.slice/docker-" ID1 ".scope/system.slice/nginx.service"), ID1, "docker");
	/* docker in docker: the innermost container */
	expect_container(V1("/docker/" ID1 "/docker/" ID2), ID2, "docker");
	/* the daemon and the shim are the host's */
	expect_host(V2("/system.slice/docker.service"));
	expect_host(V2("/system.slice/containerd.service"));
}

static void test_podman(void **state)
{
	(void)state;
	/* cgroupfs manager (as the live tests run it), cgroup v1 */
	expect_container(V1("/libpod_parent/libpod-" ID1), ID1, "podman");
	/* systemd manager, v2, with and without a cgroup namespace */
	expect_container(V2("/machine.slice/libpod-" ID1 ".scope"), ID1, "podman");
	expect_container(V2("/machine.slice/libpod-" ID1 ".scope/container"), ID1, "podman");
	/* rootless */
	expect_container(V2("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope"), ID1,
			 "podman");
	/* conmon, the container's monitor, runs on the host */
	expect_host(V2("/machine.slice/libpod-conmon-" ID1 ".scope"));
	expect_host(V1("/libpod_parent/conmon"));
	expect_host(V2("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-" ID1 ".scope"));
	/* a pod's infra container and a pod's slice */
	expect_host(V2("/machine.slice/machine-libpod_pod_" ID2 ".slice"));
	expect_container(V2("/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID1 ".scope"), ID1,
			 "podman");
}

static void test_containerd(void **state)
{
	(void)state;
	/* CRI plugin, systemd driver, each QoS class (v2) */
	expect_container(V2("/kubepods.slice/kubepods-besteffort.slice/"
			    "kubepods-besteffort-pod0c4c4c1e_5b2a_4b43_9d6c_2d0f5d3c1a77.slice/cri-containerd-" ID1 ".scope"),
			 ID1, "containerd");
	expect_container(V2("/kubepods.slice/kubepods-burstable.slice/"
			    "kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice/cri-containerd-" ID1 ".scope"),
			 ID1, "containerd");
	expect_container(V2("/kubepods.slice/kubepods-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice/"
			    "cri-containerd-" ID1 ".scope"),
			 ID1, "containerd");
	/* without SystemdCgroup = true */
	expect_container(V1("/system.slice/containerd.service/"
			    "kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice:cri-containerd:" ID1),
			 ID1, "containerd");
	/* cgroupfs driver: bare ids under kubepods, the runtime to be learnt */
	expect_container(V1("/kubepods/burstable/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/" ID1), ID1, "cri");
	expect_container(V1("/kubepods/besteffort/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/" ID1), ID1, "cri");
	expect_container(V1("/kubepods/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/" ID1), ID1, "cri");
	/* nerdctl with systemd */
	expect_container(V2("/system.slice/nerdctl-" ID1 ".scope"), ID1, "containerd");
	/* the pod's own slice is not a container */
	expect_host(V2("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice"));
	expect_host(V1("/kubepods/burstable/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a"));
	/* the kubelet */
	expect_host(V2("/system.slice/kubelet.service"));
}

static void test_crio(void **state)
{
	(void)state;
	expect_container(V2("/kubepods.slice/kubepods-burstable.slice/"
			    "kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice/crio-" ID1 ".scope"),
			 ID1, "cri-o");
	/* cgroupfs manager */
	expect_container(V1("/kubepods/burstable/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/crio-" ID1), ID1, "cri-o");
	/* CRI-O's conmon */
	expect_host(V2("/kubepods.slice/kubepods-burstable.slice/"
		       "kubepods-burstable-pod3e41dc6b_08a8_44db_bc2a_3724b18ab19a.slice/crio-conmon-" ID1 ".scope"));
	expect_host(V2("/system.slice/crio.service"));
}

static void test_host(void **state)
{
	(void)state;
	expect_host(V2("/"));
	expect_host(V1("/"));
	expect_host(V2("/user.slice/user-1000.slice/session-3.scope"));
	expect_host(V2("/system.slice/sshd.service"));
	expect_host(V2("/init.scope"));
	/* ids that are not 64 hex digits: a sandbox's 32-hex cgroup, a
	 * truncated id, a non-hex one, an id followed by text */
	expect_host((const char *const[]){ "name=systemd=/", "memory=/process_api/0ad8be47463acc3b1f90d05fa68e9145",
					   NULL });
	expect_host(V1("/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c360"));
	expect_host(V1("/docker/3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601z"));
	expect_host(V2("/system.slice/docker-" ID1 "x.scope"));
	expect_host(V2("/system.slice/docker-" ID1 ".service"));
	/* an empty file, and one line without a path */
	char id[65];
	const char *t;
	assert_false(container_id_from_cgroups("", 0, id, sizeof(id), &t));
	assert_false(container_id_from_cgroups("memory=", 8, id, sizeof(id), &t));
}

static void test_mixed_lines(void **state)
{
	(void)state;
	/* v1 hierarchies that disagree: the container is named by one of them */
	expect_container((const char *const[]){ "name=systemd=/system.slice/containerd.service",
						"memory=/kubepods/burstable/pod3e41dc6b-08a8-44db-bc2a-3724b18ab19a/" ID1,
						"pids=/", NULL },
			 ID1, "cri");
	/* bare paths (no subsystem) are accepted */
	expect_container((const char *const[]){ "/docker/" ID1, NULL }, ID1, "docker");
	/* the id buffer must hold 64 characters */
	char small[13];
	const char *t;
	const char *cg = "memory=/docker/" ID1;
	assert_false(container_id_from_cgroups(cg, strlen(cg) + 1, small, sizeof(small), &t));
}

/* ===== the table ===== */

static void test_table(void **state)
{
	(void)state;
	struct container_table ct;
	bool created;
	container_table_init(&ct);
	struct container_info *a = container_get(&ct, ID1, "podman", &created);
	assert_true(created);
	assert_string_equal(a->id, "3ad7b26ded6d");
	assert_string_equal(a->full_id, ID1);
	assert_string_equal(a->type, "podman");
	assert_int_equal(a->lookup, CLOOKUP_NONE);
	/* the short id finds it, and does not shorten the full id */
	assert_ptr_equal(container_get(&ct, "3ad7b26ded6d", NULL, &created), a);
	assert_false(created);
	assert_string_equal(a->full_id, ID1);
	assert_ptr_equal(container_find(&ct, ID1), a);
	/* a short id first, then the full one */
	struct container_info *b = container_get(&ct, "63060edc2d3a", NULL, NULL);
	assert_string_equal(b->type, "docker");
	assert_ptr_equal(container_get(&ct, ID2, NULL, NULL), b);
	assert_string_equal(b->full_id, ID2);
	assert_null(container_find(&ct, "000000000000"));
	for (int i = 0; i < 100; i++) {
		char id[13];
		snprintf(id, sizeof(id), "%012x", i);
		container_get(&ct, id, NULL, NULL);
	}
	assert_int_equal(ct.n, 102);
	assert_ptr_equal(container_find(&ct, ID1), a);
	assert_string_equal(container_find(&ct, "000000000063")->id, "000000000063");
	container_table_fini(&ct);
}

static void test_type_codes(void **state)
{
	(void)state;
	assert_string_equal(container_type_name(0), "docker");
	assert_string_equal(container_type_name(6), "cri");
	assert_string_equal(container_type_name(7), "containerd");
	assert_string_equal(container_type_name(8), "cri-o");
	assert_string_equal(container_type_name(11), "podman");
	assert_null(container_type_name(12));
	assert_null(container_type_name(-1));
	assert_int_equal(container_type_code("podman"), 11);
	assert_int_equal(container_type_code("cri-o"), 8);
	assert_int_equal(container_type_code("host"), -1);
}

/* ===== documents ===== */

static const char DOC_NGINX[] =
	"{\"container\":{\"Mounts\":[{\"Destination\":\"/usr/share/nginx/html\",\"Mode\":\"ro\","
	"\"Propagation\":\"rprivate\",\"RW\":false,\"Source\":\"/srv/www\"},{\"Destination\":\"/var/run/docker.sock\","
	"\"Mode\":\"\",\"Propagation\":\"rprivate\",\"RW\":true,\"Source\":\"/var/run/docker.sock\"}],"
	"\"User\":\"\",\"cni_json\":\"\",\"created_time\":1730971086,\"full_id\":\"" ID1 "\","
	"\"host_ipc\":false,\"host_network\":false,\"host_pid\":true,\"id\":\"3ad7b26ded6d\","
	"\"image\":\"docker.io/library/nginx:1.27\",\"imagedigest\":\"sha256:b9ff6f23cceb5bde20bb1f79b492b98d71ef7a7ae518ca1b15b26661a11e6a94\","
	"\"imageid\":\"0ca0fed353fb77c247abada85aebc667fd1f5fa0b5f6ab1efb26867ba18f2f0a\","
	"\"imagerepo\":\"docker.io/library/nginx\",\"imagetag\":\"1.27\",\"ip\":\"172.17.0.2\",\"is_pod_sandbox\":false,"
	"\"labels\":{\"maintainer\":\"NGINX Docker Maintainers\",\"io.kubernetes.pod.name\":\"web-0\","
	"\"io.kubernetes.pod.namespace\":\"production\",\"app\":\"\"},\"lookup_state\":1,"
	"\"name\":\"k8s_nginx_web-0_production\",\"pod_sandbox_id\":\"" ID2 "\",\"pod_sandbox_labels\":null,"
	"\"port_mappings\":[],\"privileged\":true,\"type\":0}}";

static void test_apply_json(void **state)
{
	(void)state;
	struct container_table ct;
	struct container_info *ci = NULL;
	container_table_init(&ct);
	/* the cgroups named it first */
	struct container_info *pre = container_get(&ct, ID1, "docker", NULL);
	pre->lookup = CLOOKUP_PENDING;
	assert_int_equal(container_apply_json(&ct, DOC_NGINX, strlen(DOC_NGINX), &ci), 0);
	assert_ptr_equal(ci, pre);
	assert_true(ci->has_metadata);
	assert_int_equal(ci->lookup, CLOOKUP_DONE);
	assert_string_equal(ci->name, "k8s_nginx_web-0_production");
	assert_string_equal(ci->image, "docker.io/library/nginx:1.27");
	assert_string_equal(ci->image_repo, "docker.io/library/nginx");
	assert_string_equal(ci->image_tag, "1.27");
	assert_string_equal(ci->image_id, "0ca0fed353fb77c247abada85aebc667fd1f5fa0b5f6ab1efb26867ba18f2f0a");
	assert_string_equal(ci->ip, "172.17.0.2");
	assert_string_equal(ci->pod_sandbox_id, ID2);
	assert_true(ci->privileged);
	assert_true(ci->host_pid);
	assert_false(ci->host_network);
	assert_int_equal(ci->created_time, 1730971086);
	/* labels sorted by key */
	assert_int_equal(ci->nlabels, 4);
	assert_string_equal(ci->labels[0].key, "app");
	assert_string_equal(ci->labels[1].key, "io.kubernetes.pod.name");
	assert_string_equal(ci->labels[3].key, "maintainer");
	assert_string_equal(container_label(ci, "io.kubernetes.pod.namespace"), "production");
	assert_string_equal(container_label(ci, "app"), "");
	assert_null(container_label(ci, "missing"));
	assert_int_equal(ci->npod_labels, 0);
	assert_int_equal(ci->nmounts, 2);
	assert_string_equal(ci->mounts[0].source, "/srv/www");
	assert_string_equal(ci->mounts[0].dest, "/usr/share/nginx/html");
	assert_string_equal(ci->mounts[0].mode, "ro");
	assert_false(ci->mounts[0].rdwr);
	assert_true(ci->mounts[1].rdwr);
	assert_string_equal(ci->mounts[1].propagation, "rprivate");

	/* a second document replaces the first: nothing accumulates */
	static const char doc2[] =
		"{\"container\":{\"id\":\"3ad7b26ded6d\",\"type\":11,\"name\":\"web\","
		"\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"pod_sandbox_labels\":{\"tier\":\"front\",\"app\":\"web\"},"
		"\"Mounts\":[{\"Source\":\"/x\"}]}}";
	assert_int_equal(container_apply_json(&ct, doc2, strlen(doc2), &ci), 0);
	assert_string_equal(ci->type, "podman");
	assert_string_equal(ci->name, "web");
	assert_string_equal(ci->full_id, ID1);	/* kept: the document has none */
	assert_string_equal(ci->image, "");	/* missing keys read as "" */
	assert_string_equal(ci->pod_sandbox_id, "");
	assert_false(ci->privileged);
	assert_int_equal(ci->nlabels, 2);
	assert_string_equal(ci->labels[0].key, "a");
	assert_string_equal(container_pod_label(ci, "app"), "web");
	assert_string_equal(container_pod_label(ci, "tier"), "front");
	assert_int_equal(ci->nmounts, 1);
	assert_string_equal(ci->mounts[0].dest, "");
	assert_false(ci->mounts[0].rdwr);
	assert_int_equal(ct.n, 1);

	/* a document for a container never seen creates it; an unknown type
	 * code leaves the default */
	static const char doc3[] = "{\"container\":{\"id\":\"abcdefabcdef\",\"type\":99,\"name\":\"\"}}";
	assert_int_equal(container_apply_json(&ct, doc3, strlen(doc3), &ci), 0);
	assert_string_equal(ci->type, "docker");
	assert_string_equal(ci->name, "");
	assert_int_equal(ct.n, 2);
	container_table_fini(&ct);
}

static void test_apply_json_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "not json", "{}", "{\"container\":1}", "{\"container\":{}}", "{\"container\":{\"id\":\"\"}}",
		"{\"container\":{\"id\":42}}", "[1,2]", "{\"container\":{\"id\":\"abc\"",
	};
	struct container_table ct;
	container_table_init(&ct);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(container_apply_json(&ct, bad[i], strlen(bad[i]), NULL), -EINVAL);
	assert_int_equal(ct.n, 0);
	container_table_fini(&ct);
}

/* ===== fields: the container plugin's views ===== */

static struct state g_st;
static struct fctx g_fx;
static struct event g_ev;

static void add_thread(int64_t tid, const char *cgroups, size_t cglen, uint32_t uid, uint64_t pidns_ts)
{
	struct scap_proc_entry e;
	memset(&e, 0, sizeof(e));
	e.tid = e.pid = (uint64_t)tid;
	e.ptid = 1;
	e.comm = (struct scap_str){ "sh", 2 };
	e.cgroups = (struct scap_str){ cgroups, (uint32_t)cglen };
	e.uid = uid;
	e.pidns_init_start_ts = pidns_ts;
	assert_int_equal(state_add_proc(&g_st, &e), 0);
}

/* The value of field `name` for thread tid, rendered; "<NA>" when missing. */
static const char *field_of(int64_t tid, const char *name)
{
	static char out[1024];
	struct field_ref ref;
	char err[256], fname[128];
	const char *arg = NULL;
	snprintf(fname, sizeof(fname), "%s", name);
	char *br = strchr(fname, '[');
	if (br) {
		*br = 0;
		arg = br + 1;
		fname[strlen(name) - 1] = 0; /* the closing bracket */
	}
	if (field_resolve(fname, arg, &ref, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	memset(&g_ev, 0, sizeof(g_ev));
	g_ev.type = 3; /* open exit */
	g_ev.info = ev_info_get(g_ev.type);
	g_ev.ts = 5000000000ull;
	g_ev.thread = state_thread(&g_st, tid);
	g_fx.ev = &g_ev;
	g_fx.seq++;
	struct strbuf sb;
	strbuf_init(&sb);
	field_render(&g_fx, &ref, &sb);
	snprintf(out, sizeof(out), "%s", sb.buf ? sb.buf : "");
	strbuf_fini(&sb);
	return out;
}

static int fields_setup(void **state)
{
	(void)state;
	static const char cg_docker[] = "cpu=/docker/" ID1 "\0memory=/docker/" ID1;
	static const char cg_sbx[] = "cpu=/docker/" ID2;
	static const char cg_host[] = "cpu=/user.slice\0memory=/user.slice";
	state_init(&g_st);
	fctx_init(&g_fx, &g_st);
	add_thread(10, cg_docker, sizeof(cg_docker), 4242, 1000000000ull);
	add_thread(20, cg_host, sizeof(cg_host), 0, 0);
	add_thread(30, cg_sbx, sizeof(cg_sbx), 0, 0);
	return 0;
}

static int fields_teardown(void **state)
{
	(void)state;
	fctx_fini(&g_fx);
	state_fini(&g_st);
	return 0;
}

static void test_fields_views(void **state)
{
	(void)state;
	/* the host: Falco's host entry */
	assert_string_equal(field_of(20, "container.id"), "host");
	assert_string_equal(field_of(20, "container.full_id"), "host");
	assert_string_equal(field_of(20, "container.name"), "host");
	assert_string_equal(field_of(20, "container.type"), "host");
	assert_string_equal(field_of(20, "container.image.repository"), "");
	assert_string_equal(field_of(20, "container.image.tag"), "");
	assert_string_equal(field_of(20, "container.privileged"), "false");
	assert_string_equal(field_of(20, "container.mounts"), "");
	assert_string_equal(field_of(20, "container.labels"), "");
	assert_string_equal(field_of(20, "k8s.ns.name"), "<NA>");
	assert_string_equal(field_of(20, "k8s.pod.name"), "<NA>");
	assert_string_equal(field_of(20, "k8s.pod.ip"), "");
	assert_string_equal(field_of(20, "container.start_ts"), "<NA>");

	/* a container known by its cgroups only */
	assert_string_equal(field_of(10, "container.id"), "3ad7b26ded6d");
	assert_string_equal(field_of(10, "container.full_id"), ID1);
	assert_string_equal(field_of(10, "container.type"), "docker");
	assert_string_equal(field_of(10, "container.name"), "<NA>");
	assert_string_equal(field_of(10, "container.image.repository"), "<NA>");
	assert_string_equal(field_of(10, "container.privileged"), "<NA>");
	assert_string_equal(field_of(10, "k8s.pod.name"), "<NA>");
	assert_string_equal(field_of(10, "container.start_ts"), "1000000000");
	assert_string_equal(field_of(10, "container.duration"), "4000000000");

	/* its metadata arrives */
	assert_int_equal(container_apply_json(&g_st.containers, DOC_NGINX, strlen(DOC_NGINX), NULL), 0);
	assert_string_equal(field_of(10, "container.name"), "k8s_nginx_web-0_production");
	assert_string_equal(field_of(10, "container.image"), "docker.io/library/nginx:1.27");
	assert_string_equal(field_of(10, "container.image.repository"), "docker.io/library/nginx");
	assert_string_equal(field_of(10, "container.image.tag"), "1.27");
	assert_string_equal(field_of(10, "container.image.digest"),
			    "sha256:b9ff6f23cceb5bde20bb1f79b492b98d71ef7a7ae518ca1b15b26661a11e6a94");
	assert_string_equal(field_of(10, "container.privileged"), "true");
	assert_string_equal(field_of(10, "container.host_pid"), "true");
	assert_string_equal(field_of(10, "container.ip"), "172.17.0.2");
	/* sorted, ", ", no io.kubernetes.*, a bare key for an empty value */
	assert_string_equal(field_of(10, "container.labels"), "app, maintainer:NGINX Docker Maintainers");
	assert_string_equal(field_of(10, "container.label[maintainer]"), "NGINX Docker Maintainers");
	assert_string_equal(field_of(10, "container.label[nope]"), "<NA>");
	assert_string_equal(field_of(10, "k8s.pod.name"), "web-0");
	assert_string_equal(field_of(10, "k8s.ns.name"), "production");
	assert_string_equal(field_of(10, "k8s.pod.uid"), "<NA>");
	assert_string_equal(field_of(10, "k8s.pod.sandbox_id"), "63060edc2d3a");
	assert_string_equal(field_of(10, "k8s.pod.full_sandbox_id"), ID2);
	/* the sandbox is not known: no pod IP nor pod labels */
	assert_string_equal(field_of(10, "k8s.pod.ip"), "<NA>");
	assert_string_equal(field_of(10, "k8s.pod.labels"), "");
	/* mounts: by index, or a regular expression searched in the path */
	assert_string_equal(field_of(10, "container.mounts"),
			    "/srv/www:/usr/share/nginx/html:ro:false:rprivate,"
			    "/var/run/docker.sock:/var/run/docker.sock::true:rprivate");
	assert_string_equal(field_of(10, "container.mount[1]"), "/var/run/docker.sock:/var/run/docker.sock::true:rprivate");
	assert_string_equal(field_of(10, "container.mount[2]"), "<NA>");
	assert_string_equal(field_of(10, "container.mount.dest[/var/run/docker.sock]"), "/var/run/docker.sock");
	assert_string_equal(field_of(10, "container.mount.source[nginx/html$]"), "/srv/www");
	assert_string_equal(field_of(10, "container.mount.dest[/srv]"), "/usr/share/nginx/html");
	assert_string_equal(field_of(10, "container.mount.dest[^/proc]"), "<NA>");
	assert_string_equal(field_of(10, "container.mount.rdwr[0]"), "false");
	assert_string_equal(field_of(10, "container.mount.mode[/srv/www]"), "ro");

	/* the pod's sandbox arrives: pod IP and labels are its own */
	static const char sbx[] = "{\"container\":{\"id\":\"63060edc2d3a\",\"type\":0,\"name\":\"k8s_POD_web-0\","
				  "\"ip\":\"10.1.2.3\",\"is_pod_sandbox\":true,\"pod_sandbox_labels\":{\"app\":\"web\","
				  "\"tier\":\"\",\"io.kubernetes.pod.name\":\"web-0\"}}}";
	assert_int_equal(container_apply_json(&g_st.containers, sbx, strlen(sbx), NULL), 0);
	assert_string_equal(field_of(10, "k8s.pod.ip"), "10.1.2.3");
	assert_string_equal(field_of(10, "k8s.pod.label[app]"), "web");
	assert_string_equal(field_of(10, "k8s.pod.labels"), "app:web, tier");
	assert_string_equal(field_of(30, "container.name"), "k8s_POD_web-0");
}

static void test_fields_users(void **state)
{
	(void)state;
	struct scap_user_entry u;
	struct scap_group_entry g;
	memset(&u, 0, sizeof(u));
	u.uid = 4242;
	u.name = (struct scap_str){ "hostuser", 8 };
	assert_int_equal(state_add_user(&g_st, &u), 0);
	/* no list for the container (a capture without one): the host's */
	assert_string_equal(field_of(10, "user.name"), "hostuser");
	/* a capture's entry for the container: the container's own */
	u.name = (struct scap_str){ "appuser", 7 };
	u.container_id = (struct scap_str){ "3ad7b26ded6d", 12 };
	assert_int_equal(state_add_user(&g_st, &u), 0);
	memset(&g, 0, sizeof(g));
	g.gid = 0;
	g.name = (struct scap_str){ "wheel", 5 };
	g.container_id = (struct scap_str){ "3ad7b26ded6d", 12 };
	assert_int_equal(state_add_group(&g_st, &g), 0);
	assert_string_equal(field_of(10, "user.name"), "appuser");
	assert_string_equal(field_of(10, "group.name"), "wheel");
	assert_string_equal(field_of(20, "user.name"), "<NA>"); /* the host has no uid 0 here */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_containerd),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_mixed_lines),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_type_codes),
		cmocka_unit_test(test_apply_json),
		cmocka_unit_test(test_apply_json_refused),
		cmocka_unit_test_setup_teardown(test_fields_views, fields_setup, fields_teardown),
		cmocka_unit_test_setup_teardown(test_fields_users, fields_setup, fields_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
