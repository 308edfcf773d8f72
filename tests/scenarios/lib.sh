# lib.sh - shell helpers for the scenario and benign suites, sourced by the
# setup, command and cleanup of their test cases:
#   . "$VIGIL_TEST_DIR/lib.sh"            (or ../scenarios/lib.sh)
#
#   scn_image busybox|debian    the tag of a local image (imported on first use)
#   scn_run [OPTIONS] IMAGE CMD...
#                               podman run --rm, runc, cgroupfs, no network
#                               (a private loopback only), small ulimits
#   scn_actions                 path of the host's vigil-live-actions
#   scn_python                  the system python3 (not a pyenv shim)
#   scn_dir_on_fs_of FILE       a new directory on FILE's file system (for
#                               hard links); the caller removes it
#
# Paths default to the build tree next to the sources (build/); ctest sets
# VIGIL_ACTIONS and VIGIL_ACTIONS_STATIC to the ones it built.

if [ -f "${VIGIL_TEST_DIR:-.}/images.py" ]; then
	SCN_LIB_DIR=$(CDPATH= cd -- "${VIGIL_TEST_DIR:-.}" && pwd)
else
	SCN_LIB_DIR=$(CDPATH= cd -- "$VIGIL_TEST_DIR/../scenarios" && pwd)
fi
SCN_SRC_ROOT=$(CDPATH= cd -- "$SCN_LIB_DIR/../.." && pwd)
: "${VIGIL_ACTIONS:=$SCN_SRC_ROOT/build/tests/live/vigil-live-actions}"
: "${VIGIL_ACTIONS_STATIC:=$SCN_SRC_ROOT/build/tests/live/vigil-live-actions-static}"
export VIGIL_ACTIONS VIGIL_ACTIONS_STATIC

scn_python() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 "$@"
	else
		python3 "$@"
	fi
}

scn_image() {
	scn_python "$SCN_LIB_DIR/images.py" "$1"
}

scn_run() {
	podman --runtime runc --cgroup-manager cgroupfs run --rm --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@"
}

scn_actions() {
	echo "$VIGIL_ACTIONS"
}

scn_dir_on_fs_of() {
	dev=$(stat -c %d "$1")
	for base in "${VIGIL_TEST_TMP:-/tmp}" /var/tmp /tmp /etc; do
		if [ -d "$base" ] && [ "$(stat -c %d "$base")" = "$dev" ]; then
			d=$(mktemp -d "$base/vigil-scn-XXXXXX") && echo "$d" && return 0
		fi
	done
	echo "no directory on the file system of $1" >&2
	return 1
}
