/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_container_conv.c - unit tests for the runtime answers turned into
 * container JSON documents (src/state/container_conv.c): a Docker Engine API
 * inspect of a docker container and of a podman one (podman's compatible
 * service), with their image inspects; OCI config.json bundles of
 * containerd's CRI plugin, CRI-O (container and pod sandbox) and podman with
 * containers/storage's containers.json. Every document is read back with
 * container_apply_json(), as the engine does. The fixtures are written here,
 * shaped like what the runtimes answer.
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

#include "state/container.h"
#include "state/container_conv.h"

#define CID "9f2c1d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"
#define SBX "1122334455667788990011223344556677889900aabbccddeeff001122334455"
#define IMG "0ca0fed353fb77c247abada85aebc667fd1f5fa0b5f6ab1efb26867ba18f2f0a"
#define DGST "sha256:b9ff6f23cceb5bde20bb1f79b492b98d71ef7a7ae518ca1b15b26661a11e6a94"

/* Apply `doc` to a fresh table and return the entry (the table in *ct). */
static struct container_info *applied(struct container_table *ct, char *doc)
{
	struct container_info *ci = NULL;
	assert_non_null(doc);
	container_table_init(ct);
	assert_int_equal(container_apply_json(ct, doc, strlen(doc), &ci), 0);
	free(doc);
	return ci;
}

/* ===== Docker Engine API ===== */

static const char DOCKER_INSPECT[] =
	"{\"Id\":\"" CID "\",\"Created\":\"2026-03-04T10:20:30.123456789Z\",\"Path\":\"/docker-entrypoint.sh\","
	"\"Args\":[\"nginx\",\"-g\",\"daemon off;\"],\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":4242},"
	"\"Image\":\"sha256:" IMG "\",\"Name\":\"/web-frontend\",\"RestartCount\":0,\"Driver\":\"overlay2\","
	"\"HostConfig\":{\"Binds\":[\"/srv/www:/usr/share/nginx/html:ro\"],\"NetworkMode\":\"bridge\","
	"\"IpcMode\":\"private\",\"PidMode\":\"host\",\"Privileged\":true,\"CpuShares\":512,\"Memory\":268435456,"
	"\"MemorySwap\":536870912,\"CpuPeriod\":0,\"CpuQuota\":50000},"
	"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/srv/www\",\"Destination\":\"/usr/share/nginx/html\","
	"\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"},{\"Type\":\"volume\",\"Name\":\"cache\","
	"\"Source\":\"/var/lib/docker/volumes/cache/_data\",\"Destination\":\"/var/cache/nginx\",\"Driver\":\"local\","
	"\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}],"
	"\"Config\":{\"Hostname\":\"9f2c1d3e4b5a\",\"User\":\"nginx\",\"Env\":[\"PATH=/usr/bin\",\"SECRET=x\"],"
	"\"Image\":\"nginx:1.27\",\"Labels\":{\"maintainer\":\"NGINX Docker Maintainers <docker-maint@nginx.com>\","
	"\"com.example.team\":\"web\",\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"prod\","
	"\"io.kubernetes.sandbox.id\":\"" SBX "\",\"huge\":\"" "0123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789\"}},"
	"\"NetworkSettings\":{\"Bridge\":\"\",\"IPAddress\":\"172.17.0.3\",\"Networks\":{\"bridge\":"
	"{\"IPAddress\":\"172.17.0.3\"}}}}";

static const char DOCKER_IMAGE[] =
	"{\"Id\":\"sha256:" IMG "\",\"RepoTags\":[\"nginx:1.27\",\"nginx:latest\"],"
	"\"RepoDigests\":[\"nginx@" DGST "\"],\"Created\":\"2026-02-01T00:00:00Z\"}";

static void test_docker(void **state)
{
	(void)state;
	struct container_table ct;
	struct container_info *ci = applied(&ct, container_doc_from_docker(DOCKER_INSPECT, strlen(DOCKER_INSPECT), DOCKER_IMAGE,
									   strlen(DOCKER_IMAGE), "docker", 100));
	assert_string_equal(ci->id, "9f2c1d3e4b5a");
	assert_string_equal(ci->full_id, CID);
	assert_string_equal(ci->type, "docker");
	assert_string_equal(ci->name, "web-frontend");
	assert_string_equal(ci->image, "nginx:1.27");
	assert_string_equal(ci->image_repo, "nginx");
	assert_string_equal(ci->image_tag, "1.27");
	assert_string_equal(ci->image_digest, DGST);
	assert_string_equal(ci->image_id, IMG);
	assert_string_equal(ci->ip, "172.17.0.3");
	assert_string_equal(ci->user, "nginx");
	assert_true(ci->privileged);
	assert_true(ci->host_pid);
	assert_false(ci->host_network);
	assert_false(ci->host_ipc);
	assert_false(ci->is_pod_sandbox);
	assert_int_equal(ci->created_time, 1772619630);
	assert_string_equal(ci->pod_sandbox_id, SBX);
	/* labels: the long one left out (label_max_len 100) */
	assert_int_equal(ci->nlabels, 5);
	assert_string_equal(container_label(ci, "com.example.team"), "web");
	assert_null(container_label(ci, "huge"));
	assert_int_equal(ci->nmounts, 2);
	assert_string_equal(ci->mounts[0].source, "/srv/www");
	assert_string_equal(ci->mounts[0].dest, "/usr/share/nginx/html");
	assert_string_equal(ci->mounts[0].mode, "ro");
	assert_false(ci->mounts[0].rdwr);
	assert_string_equal(ci->mounts[0].propagation, "rprivate");
	assert_string_equal(ci->mounts[1].mode, "z");
	assert_true(ci->mounts[1].rdwr);
	container_table_fini(&ct);

	/* without the image inspect: repository and tag from the image name */
	ci = applied(&ct, container_doc_from_docker(DOCKER_INSPECT, strlen(DOCKER_INSPECT), NULL, 0, "docker", 1000));
	assert_string_equal(ci->image_repo, "nginx");
	assert_string_equal(ci->image_tag, "1.27");
	assert_string_equal(ci->image_digest, "");
	assert_int_equal(ci->nlabels, 6);
	container_table_fini(&ct);
}

/* podman's compatible service: repository and tag from the image name the
 * container was created with, the digest from the image. */
static const char PODMAN_INSPECT[] =
	"{\"Id\":\"" CID "\",\"Created\":\"2026-11-28T06:02:05.839041122Z\",\"Path\":\"sleep\",\"Args\":[\"300\"],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":31977},\"Image\":\"sha256:" IMG "\","
	"\"Name\":\"/vmeta-probe\",\"HostConfig\":{\"NetworkMode\":\"host\",\"IpcMode\":\"shareable\","
	"\"PidMode\":\"private\",\"Privileged\":false,\"CpuShares\":0,\"Memory\":0},\"Mounts\":[],"
	"\"Config\":{\"Hostname\":\"vm\",\"User\":\"\",\"Image\":\"localhost/vigil-meta-test:v1\","
	"\"Labels\":{\"io.kubernetes.pod.name\":\"nginx\",\"io.kubernetes.pod.namespace\":\"production\"}},"
	"\"NetworkSettings\":{\"IPAddress\":\"\",\"Networks\":{}}}";
static const char PODMAN_IMAGE[] =
	"{\"Id\":\"sha256:" IMG "\",\"RepoTags\":[\"localhost/vigil-meta-test:v1\"],"
	"\"RepoDigests\":[\"localhost/vigil-meta-test@" DGST "\"]}";

static void test_podman_api(void **state)
{
	(void)state;
	struct container_table ct;
	struct container_info *ci = applied(&ct, container_doc_from_docker(PODMAN_INSPECT, strlen(PODMAN_INSPECT), PODMAN_IMAGE,
									   strlen(PODMAN_IMAGE), "podman", 100));
	assert_string_equal(ci->type, "podman");
	assert_string_equal(ci->name, "vmeta-probe");
	assert_string_equal(ci->image, "localhost/vigil-meta-test:v1");
	assert_string_equal(ci->image_repo, "localhost/vigil-meta-test");
	assert_string_equal(ci->image_tag, "v1");
	assert_string_equal(ci->image_digest, DGST);
	assert_string_equal(ci->image_id, IMG);
	assert_string_equal(ci->ip, "");
	assert_true(ci->host_network);
	assert_false(ci->host_ipc); /* "shareable" is not the host's */
	assert_string_equal(container_label(ci, "io.kubernetes.pod.namespace"), "production");
	assert_int_equal(ci->nmounts, 0);
	container_table_fini(&ct);
}

static void test_docker_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "{}", "{\"Id\":\"abc\"}", "{\"message\":\"No such container: x\"}", "[]",
					   "not json" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(container_doc_from_docker(bad[i], strlen(bad[i]), NULL, 0, "docker", 100));
		assert_int_equal(errno, EINVAL);
	}
	/* a garbled image answer does not spoil the container's */
	char *doc = container_doc_from_docker(DOCKER_INSPECT, strlen(DOCKER_INSPECT), "{\"RepoTags\":7", 13, "docker", 100);
	assert_non_null(doc);
	free(doc);
}

static void test_image_split(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{ "nginx", "nginx", "" },
		{ "nginx:1.27", "nginx", "1.27" },
		{ "docker.io/library/nginx:latest", "docker.io/library/nginx", "latest" },
		{ "registry.example.com:5000/team/app:v2", "registry.example.com:5000/team/app", "v2" },
		{ "registry.example.com:5000/team/app", "registry.example.com:5000/team/app", "" },
		{ "quay.io/app@" DGST, "quay.io/app", "" },
		{ "quay.io/app:1.0@" DGST, "quay.io/app", "1.0" },
		{ "", "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *repo, *tag;
		container_image_split(cases[i][0], &repo, &tag);
		assert_string_equal(repo, cases[i][1]);
		assert_string_equal(tag, cases[i][2]);
		free(repo);
		free(tag);
	}
}

static void test_parse_time(void **state)
{
	(void)state;
	assert_int_equal(container_parse_time("1970-01-01T00:00:10Z"), 10);
	assert_int_equal(container_parse_time("2026-11-28T06:02:05.839041122Z"), 1795845725);
	assert_int_equal(container_parse_time("2026-11-28T07:02:05.5+01:00"), 1795845725);
	assert_int_equal(container_parse_time("2026-11-28T05:02:05-01:00"), 1795845725);
	assert_int_equal(container_parse_time("0001-01-01T00:00:00Z"), 0);
	assert_int_equal(container_parse_time("yesterday"), 0);
	assert_int_equal(container_parse_time("2026-11-28T06:02:05 nonsense"), 0);
	assert_int_equal(container_parse_time(""), 0);
}

/* ===== OCI bundles ===== */

/* The parts of a runc spec the conversion reads, around its annotations. */
static char *oci_spec(const char *annotations, const char *mounts, const char *namespaces, bool privileged)
{
	char *s = NULL;
	const char *caps = privileged ? "\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_SYS_MODULE\",\"CAP_NET_ADMIN\""
				      : "\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"";
	const char *masked = privileged ? "" : ",\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"],"
					       "\"readonlyPaths\":[\"/proc/sys\",\"/proc/sysrq-trigger\"]";
	assert_true(asprintf(&s,
			     "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
			     "\"args\":[\"nginx\"],\"capabilities\":{\"bounding\":[%s],\"effective\":[%s]}},"
			     "\"root\":{\"path\":\"rootfs\"},\"hostname\":\"web-0\",\"mounts\":[%s],"
			     "\"annotations\":{%s},\"linux\":{\"namespaces\":[%s]%s}}",
			     caps, caps, mounts, annotations, namespaces, masked) > 0);
	return s;
}

#define NS_ALL "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/var/run/netns/cni-1f2e\"}"

static const char K8S_MOUNTS[] =
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\"]},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/var/lib/kubelet/pods/3e41dc6b-08a8-44db-bc2a-3724b18ab19a/etc-hosts\",\"options\":[\"rbind\",\"rprivate\",\"rw\"]},"
	"{\"destination\":\"/etc/hostname\",\"type\":\"bind\",\"source\":\"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" SBX "/hostname\",\"options\":[\"rbind\",\"rprivate\",\"rw\"]},"
	"{\"destination\":\"/var/run/secrets/kubernetes.io/serviceaccount\",\"type\":\"bind\",\"source\":\"/var/lib/kubelet/pods/3e41dc6b-08a8-44db-bc2a-3724b18ab19a/volumes/kubernetes.io~projected/kube-api-access-x\",\"options\":[\"rbind\",\"rprivate\",\"ro\"]},"
	"{\"destination\":\"/var/run/docker.sock\",\"type\":\"bind\",\"source\":\"/var/run/docker.sock\",\"options\":[\"rbind\",\"rslave\",\"rw\"]}";

static void test_containerd_cri(void **state)
{
	(void)state;
	char *spec = oci_spec("\"io.kubernetes.cri.container-name\":\"nginx\","
			      "\"io.kubernetes.cri.container-type\":\"container\","
			      "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.27\","
			      "\"io.kubernetes.cri.sandbox-id\":\"" SBX "\","
			      "\"io.kubernetes.cri.sandbox-name\":\"web-0\","
			      "\"io.kubernetes.cri.sandbox-namespace\":\"production\","
			      "\"io.kubernetes.cri.sandbox-uid\":\"3e41dc6b-08a8-44db-bc2a-3724b18ab19a\"",
			      K8S_MOUNTS, NS_ALL, false);
	struct container_table ct;
	struct container_info *ci =
		applied(&ct, container_doc_from_oci(CID, "containerd", spec, strlen(spec), NULL, 0, 1772600000, 100));
	assert_string_equal(ci->type, "containerd");
	assert_string_equal(ci->name, "nginx");
	assert_string_equal(ci->image, "docker.io/library/nginx:1.27");
	assert_string_equal(ci->image_repo, "docker.io/library/nginx");
	assert_string_equal(ci->image_tag, "1.27");
	assert_string_equal(ci->pod_sandbox_id, SBX);
	assert_false(ci->is_pod_sandbox);
	assert_string_equal(container_label(ci, "io.kubernetes.pod.name"), "web-0");
	assert_string_equal(container_label(ci, "io.kubernetes.pod.namespace"), "production");
	assert_string_equal(container_label(ci, "io.kubernetes.pod.uid"), "3e41dc6b-08a8-44db-bc2a-3724b18ab19a");
	assert_string_equal(container_label(ci, "io.kubernetes.container.name"), "nginx");
	assert_false(ci->privileged);
	assert_false(ci->host_pid || ci->host_network || ci->host_ipc);
	assert_int_equal(ci->created_time, 1772600000); /* the file's time: no annotation */
	/* binds only, the sandbox's own hostname file left out */
	assert_int_equal(ci->nmounts, 3);
	assert_string_equal(ci->mounts[0].dest, "/etc/hosts");
	assert_true(ci->mounts[0].rdwr);
	assert_string_equal(ci->mounts[0].propagation, "rprivate");
	assert_string_equal(ci->mounts[1].mode, "ro");
	assert_false(ci->mounts[1].rdwr);
	assert_string_equal(ci->mounts[2].dest, "/var/run/docker.sock");
	assert_string_equal(ci->mounts[2].propagation, "rslave");
	container_table_fini(&ct);
	free(spec);

	/* the pod's sandbox, privileged with the host's network */
	spec = oci_spec("\"io.kubernetes.cri.container-type\":\"sandbox\",\"io.kubernetes.cri.sandbox-id\":\"" SBX "\","
			"\"io.kubernetes.cri.sandbox-name\":\"web-0\",\"io.kubernetes.cri.sandbox-namespace\":\"production\"",
			"", "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"mount\"}", true);
	ci = applied(&ct, container_doc_from_oci(SBX, "containerd", spec, strlen(spec), NULL, 0, 0, 100));
	assert_true(ci->is_pod_sandbox);
	assert_string_equal(ci->name, "web-0");
	assert_true(ci->privileged);
	assert_true(ci->host_network);
	assert_false(ci->host_pid);
	container_table_fini(&ct);
	free(spec);
}

static void test_crio(void **state)
{
	(void)state;
	char *spec = oci_spec(
		"\"io.kubernetes.cri-o.ContainerType\":\"container\","
		"\"io.kubernetes.cri-o.ContainerName\":\"k8s_nginx_web-0_production_3e41dc6b_0\","
		"\"io.kubernetes.cri-o.Created\":\"2026-03-04T10:20:30.5Z\","
		"\"io.kubernetes.cri-o.ImageName\":\"quay.io/example/nginx:1.27\","
		"\"io.kubernetes.cri-o.ImageRef\":\"" IMG "\","
		"\"io.kubernetes.cri-o.IP.0\":\"10.88.0.7\","
		"\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.container.name\\\":\\\"nginx\\\",\\\"io.kubernetes.pod.name\\\":"
		"\\\"web-0\\\",\\\"io.kubernetes.pod.namespace\\\":\\\"production\\\",\\\"io.kubernetes.pod.uid\\\":\\\"3e41dc6b\\\"}\","
		"\"io.kubernetes.cri-o.Metadata\":\"{\\\"name\\\":\\\"nginx\\\",\\\"attempt\\\":0}\","
		"\"io.kubernetes.cri-o.SandboxID\":\"" SBX "\"",
		"{\"destination\":\"/etc/resolv.conf\",\"type\":\"bind\",\"source\":\"/run/containers/storage/overlay-containers/" SBX
		"/userdata/resolv.conf\",\"options\":[\"ro\",\"bind\",\"nodev\"]},"
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/mnt/data\",\"options\":[\"rw\",\"rbind\",\"rprivate\"]}",
		NS_ALL, false);
	struct container_table ct;
	struct container_info *ci = applied(&ct, container_doc_from_oci(CID, "cri-o", spec, strlen(spec), NULL, 0, 0, 100));
	assert_string_equal(ci->type, "cri-o");
	assert_string_equal(ci->name, "nginx");
	assert_string_equal(ci->image, "quay.io/example/nginx:1.27");
	assert_string_equal(ci->image_repo, "quay.io/example/nginx");
	assert_string_equal(ci->image_tag, "1.27");
	assert_string_equal(ci->image_id, IMG);
	assert_string_equal(ci->ip, "10.88.0.7");
	assert_string_equal(ci->pod_sandbox_id, SBX);
	assert_int_equal(ci->created_time, 1772619630);
	assert_string_equal(container_label(ci, "io.kubernetes.pod.namespace"), "production");
	assert_int_equal(ci->npod_labels, 0);
	assert_int_equal(ci->nmounts, 1);
	assert_string_equal(ci->mounts[0].source, "/mnt/data");
	container_table_fini(&ct);
	free(spec);

	/* the sandbox: its labels are the pod's, and it carries the CNI result */
	spec = oci_spec("\"io.kubernetes.cri-o.ContainerType\":\"sandbox\",\"io.kubernetes.cri-o.SandboxID\":\"" SBX "\","
			"\"io.kubernetes.cri-o.Metadata\":\"{\\\"name\\\":\\\"web-0\\\",\\\"uid\\\":\\\"3e41dc6b\\\"}\","
			"\"io.kubernetes.cri-o.Labels\":\"{\\\"app\\\":\\\"web\\\",\\\"io.kubernetes.pod.name\\\":\\\"web-0\\\"}\","
			"\"io.kubernetes.cri-o.CNIResult\":\"{\\\"ips\\\":[{\\\"address\\\":\\\"10.88.0.7/16\\\"}]}\","
			"\"io.kubernetes.cri-o.IP.0\":\"10.88.0.7\"",
			"", NS_ALL, false);
	ci = applied(&ct, container_doc_from_oci(SBX, "cri-o", spec, strlen(spec), NULL, 0, 0, 100));
	assert_true(ci->is_pod_sandbox);
	assert_string_equal(ci->name, "web-0");
	assert_string_equal(container_pod_label(ci, "app"), "web");
	assert_string_equal(ci->cni_json, "{\"ips\":[{\"address\":\"10.88.0.7/16\"}]}");
	container_table_fini(&ct);
	free(spec);
}

static void test_podman_storage(void **state)
{
	(void)state;
	char *spec = oci_spec("\"io.container.manager\":\"libpod\",\"io.kubernetes.cri-o.Created\":\"2026-11-28T06:02:05.839041122Z\","
			      "\"io.kubernetes.cri-o.TTY\":\"false\",\"io.podman.annotations.privileged\":\"FALSE\","
			      "\"org.opencontainers.image.stopSignal\":\"15\"",
			      "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/run/containers/storage/overlay-containers/" CID
			      "/userdata/hosts\",\"options\":[\"bind\",\"rprivate\"]},"
			      "{\"destination\":\"/srv\",\"type\":\"bind\",\"source\":\"/home/user/site\",\"options\":[\"rbind\",\"ro\"]}",
			      "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}", true);
	static const char list[] =
		"[{\"id\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"names\":[\"other\"]},"
		"{\"id\":\"" CID "\",\"names\":[\"vmeta-probe\"],\"image\":\"" IMG "\",\"layer\":\"f37c1f\","
		"\"metadata\":\"{\\\"image-name\\\":\\\"localhost/vigil-meta-test:v1\\\",\\\"image-id\\\":\\\"" IMG "\\\","
		"\\\"name\\\":\\\"vmeta-probe\\\",\\\"created-at\\\":1795845725}\",\"created\":\"2026-11-28T06:02:05.842044932Z\"}]";
	struct container_table ct;
	struct container_info *ci =
		applied(&ct, container_doc_from_oci(CID, "podman", spec, strlen(spec), list, strlen(list), 0, 100));
	assert_string_equal(ci->type, "podman");
	assert_string_equal(ci->name, "vmeta-probe");
	assert_string_equal(ci->image, "localhost/vigil-meta-test:v1");
	assert_string_equal(ci->image_repo, "localhost/vigil-meta-test");
	assert_string_equal(ci->image_tag, "v1");
	assert_string_equal(ci->image_id, IMG);
	/* the annotation says not privileged, whatever the capabilities */
	assert_false(ci->privileged);
	assert_true(ci->host_network);
	assert_int_equal(ci->created_time, 1795845725);
	assert_int_equal(ci->nlabels, 0);
	assert_int_equal(ci->nmounts, 1);
	assert_string_equal(ci->mounts[0].dest, "/srv");
	assert_string_equal(ci->mounts[0].mode, "ro");
	container_table_fini(&ct);

	/* without containers.json: the id, mounts and namespaces only */
	ci = applied(&ct, container_doc_from_oci(CID, "podman", spec, strlen(spec), NULL, 0, 0, 100));
	assert_string_equal(ci->name, "");
	assert_string_equal(ci->image, "");
	assert_true(ci->has_metadata);
	container_table_fini(&ct);
	free(spec);
}

static void test_oci_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "{}", "[]", "{\"process\":{}}", "garbage" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_null(container_doc_from_oci(CID, "containerd", bad[i], strlen(bad[i]), NULL, 0, 0, 100));
		assert_int_equal(errno, EINVAL);
	}
	assert_null(container_doc_from_oci("short", "containerd", "{\"ociVersion\":\"1\"}", 18, NULL, 0, 0, 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),		cmocka_unit_test(test_podman_api),
		cmocka_unit_test(test_docker_refused),	cmocka_unit_test(test_image_split),
		cmocka_unit_test(test_parse_time),	cmocka_unit_test(test_containerd_cri),
		cmocka_unit_test(test_crio),		cmocka_unit_test(test_podman_storage),
		cmocka_unit_test(test_oci_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
