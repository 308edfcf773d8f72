#!/bin/sh
# pod_connect.sh NAMESPACE ADDRESS - start a container labelled as a pod of
# NAMESPACE (as a kubelet labels it), give its loopback ADDRESS with a
# listener on port 443, and connect to it from inside the container: a real
# connect to that address with nothing leaving the machine. The image is the
# busybox image of vigil's scenario suite (tests/scenarios/images.py): use
# one of yours in your own tests.
set -u
ns=$1 dest=$2
podman="podman --runtime runc --cgroup-manager cgroupfs"
img=$(python3 "$VIGIL_TEST_DIR/../../../tests/scenarios/images.py" busybox) || exit 1
c=$($podman run -d --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--cap-add NET_ADMIN --label io.kubernetes.pod.namespace="$ns" --label io.kubernetes.pod.name=web \
	"$img" sleep 60) || exit 1
sleep 2	# vigil looks the container's metadata up when it first sees it
$podman exec "$c" sh -c "ip addr add $dest/32 dev lo || exit 1
	nc -l -p 443 < /dev/null > /dev/null &
	sleep 0.3
	nc $dest 443 < /dev/null"
st=$?
$podman rm -f -t 0 "$c" > /dev/null
exit $st
