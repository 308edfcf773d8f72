# Makefile - the two entry points of the README, for a fresh Debian 12 as root:
#   make run    install missing packages, build, run vigil with the bundled defaults
#   make test   install missing packages, build, run every test (also under ASan/UBSan)
# CMake + Ninja do the real build; this file only orchestrates.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr
DESTDIR    ?=
CTEST_ARGS ?=

# Debian packages the build and the tests need (installed only when missing);
# podman and runc run the live tests' container cases (as root, --network host),
# busybox-static is the image of the container metadata test; the output
# backends' libraries and the servers their tests start on loopback;
# libmicrohttpd for the embedded HTTP server (/metrics, /healthz); curl
# (the seed's block-curl policy) and iproute2 (the netns and veth of the
# connect-deny tests) for the TracingPolicy live tests.
DEPS := build-essential cmake ninja-build pkg-config clang llvm lld \
	libyaml-dev libpcre2-dev zlib1g-dev libjson-c-dev libcmocka-dev libcurl4-openssl-dev \
	libbpf-dev libelf-dev bpftool python3 sysdig redis-server redis-tools \
	podman runc busybox-static \
	librdkafka-dev libhiredis-dev libmosquitto-dev libnats-dev libssl-dev \
	nats-server mosquitto mosquitto-clients rsyslog libmicrohttpd-dev openssl \
	dpkg-dev systemd groff-base man-db bash-completion \
	golang-go golang-github-masterminds-sprig-dev golang-github-ghodss-yaml-dev \
	golang-github-xeipuuv-gojsonschema-dev nodejs \
	curl iproute2

.PHONY: all deps build build-asan build-fuzz run test test-release test-asan fuzz-smoke bench clean install deb

all: build

deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: run as root to install:$$missing" >&2; exit 1; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y --no-install-recommends $$missing || \
		{ apt-get update && apt-get install -y --no-install-recommends $$missing; }; \
	fi

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(BUILD_ASAN)/build.ninja:
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON \
		-DCMAKE_C_COMPILER=clang

$(BUILD_FUZZ)/build.ninja:
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVIGIL_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang -DBUILD_TESTING=OFF

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(BUILD_ASAN)/build.ninja
	cmake --build $(BUILD_ASAN) -j $(JOBS)

build-fuzz: deps $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

# The main job: live detection on this host with the bundled rules, Falco
# alerts on stdout, until Ctrl-C (needs root and a kernel with BTF).
run: build
	./$(BUILD)/src/vigil run -r rules/ --stats

test: build build-asan build-fuzz
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS) -LE nosan $(CTEST_ARGS)
	tests/fuzz/smoke.sh $(BUILD_FUZZ) 30

# FHS install (PREFIX=/usr: /usr/bin/vigil, /etc/vigil/{vigil.yaml,rules.d/},
# /usr/share/vigil, man page, bash completion, /lib/systemd/system/vigil.service);
# DESTDIR stages it elsewhere. The prefix is compiled in (the default
# configuration path), so the build is reconfigured with it.
install: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS) --target vigil
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The Debian package, from a DESTDIR staging tree: $(BUILD)/vigil_VERSION_ARCH.deb
deb: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_INSTALL_PREFIX=/usr
	cmake --build $(BUILD) -j $(JOBS) --target deb

bench: build
	./bench/replay.sh $(BUILD)/src/vigil
	./bench/rules.sh $(BUILD)/src/vigil
	./bench/live.sh $(BUILD)
	./bench/outputs.sh $(BUILD)
	./bench/containers.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
