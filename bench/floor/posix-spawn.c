/*
 * OS floor of a spawn: posix_spawn("/bin/sh", "-c", "true") then waitpid, one at a time, for
 * DURATION_MS, with TOUCH_MIB of memory written first (the parent's size, which posix_spawn's
 * vfork-style clone does not copy). Prints {"n":..,"p50_ms":..,"p99_ms":..}.
 * usage: posix-spawn DURATION_MS [TOUCH_MIB]
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  double duration_ms = argc > 1 ? atof(argv[1]) : 1000;
  size_t touch = (size_t)(argc > 2 ? atol(argv[2]) : 0) << 20;
  if (touch) {
    char *memory = malloc(touch);
    if (!memory) return 1;
    memset(memory, 1, touch);
  }
  char *child_argv[] = {"sh", "-c", "true", NULL};
  size_t cap = 1 << 20, n = 0;
  double *latency = malloc(cap * sizeof *latency);
  double end = now_ms() + duration_ms;
  while ((now_ms() < end || n < 10) && n < cap) {
    double t0 = now_ms();
    pid_t pid;
    if (posix_spawn(&pid, "/bin/sh", NULL, NULL, child_argv, environ) != 0) return 1;
    int status;
    if (waitpid(pid, &status, 0) != pid) return 1;
    latency[n++] = now_ms() - t0;
  }
  qsort(latency, n, sizeof *latency, by_value);
  printf("{\"n\":%zu,\"p50_ms\":%.4f,\"p99_ms\":%.4f}\n", n, latency[n / 2], latency[(size_t)(n * 0.99)]);
  return 0;
}
