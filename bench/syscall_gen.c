/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscall_gen.c - a syscall load generator for bench/live.sh: opens and
 * closes /dev/null (two events a live probe with Falco's stable rules
 * captures: openat, which rules evaluate, and close, which state needs) at a
 * target event rate for a number of seconds, and prints the rate achieved.
 *
 * usage: syscall_gen EVENTS_PER_SEC SECONDS   (0 = as fast as possible)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: syscall_gen EVENTS_PER_SEC SECONDS\n");
		return 2;
	}
	double rate = atof(argv[1]) / 2; /* open+close pairs per second */
	double secs = atof(argv[2]);
	const int batch = 500;
	unsigned long pairs = 0;
	double t0 = now(), t = t0;
	while (t - t0 < secs) {
		for (int i = 0; i < batch; i++) {
			int fd = open("/dev/null", O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		pairs += batch;
		t = now();
		if (rate > 0) {
			double ahead = (double)pairs / rate - (t - t0);
			if (ahead > 0) {
				struct timespec d = { (time_t)ahead, (long)((ahead - (double)(time_t)ahead) * 1e9) };
				nanosleep(&d, NULL);
				t = now();
			}
		}
	}
	printf("%.0f\n", 2.0 * (double)pairs / (t - t0));
	return 0;
}
