// The fan-out floor, split by side (scripts/bench-generator.sh runs it): a minimal writer
// process sends one 62-byte message to each of N loopback connections every 10 ms (N x 100
// messages/s, each message its own write, as a server fans an event out), and a minimal
// reader process epoll-waits and reads each connection's bytes as they arrive, as a load
// generator does. Each prints its own CPU (user + system) per message over SECONDS, after
// a 1 s warm-up. No runtime, no parsing, no bookkeeping: what the kernel's TCP path costs
// each side, and so the least reader/writer ratio any load generator that reads every
// message as it arrives can reach against any server that writes each on its own.
//
// Usage: floor-split [N=1000] [SECONDS=5] [pin|nopin]   (pin: writer on CPU 0, reader on 1)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) { struct rusage u; getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6; }
static void pin(int c) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(c, &s); sched_setaffinity(0, sizeof s, &s); }

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000, secs = argc > 2 ? atoi(argv[2]) : 5;
  int pinned = argc > 3 && strcmp(argv[3], "pin") == 0;
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  bind(l, (void *)&a, sizeof a); listen(l, 4096); getsockname(l, (void *)&a, &al);
  int *w = calloc(n, sizeof(int)), *r = calloc(n, sizeof(int));
  for (int i = 0; i < n; i++) {
    r[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(r[i], (void *)&a, sizeof a)) { perror("connect"); return 1; }
    w[i] = accept(l, 0, 0);
    setsockopt(w[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  pid_t child = fork();
  if (child == 0) { // reader
    if (pinned) pin(1);
    int ep = epoll_create1(0);
    for (int i = 0; i < n; i++) { struct epoll_event e = {.events = EPOLLIN, .data.fd = r[i]}; epoll_ctl(ep, EPOLL_CTL_ADD, r[i], &e); }
    char buf[4096]; long bytes = 0; struct epoll_event ev[256];
    double c0 = 0, t0 = now(); long b0 = 0; int started = 0;
    while (now() - t0 < secs + 2) {
      int k = epoll_wait(ep, ev, 256, 100);
      for (int j = 0; j < k; j++) { ssize_t g = read(ev[j].data.fd, buf, sizeof buf); if (g > 0) bytes += g; }
      if (!started && now() - t0 > 1) { started = 1; c0 = cpu(); b0 = bytes; t0 = now() - 1; }
      if (started && now() - t0 > 1 + secs) break;
    }
    double msgs = (bytes - b0) / 62.0;
    printf("reader %.0f %.3f\n", msgs / secs, (cpu() - c0) * 1e6 / msgs);
    return 0;
  }
  if (pinned) pin(0);
  char msg[62]; memset(msg, 'x', 62);
  double t0 = now(), next = t0, c0 = 0; long sent = 0, s0 = 0; int started = 0;
  while (now() - t0 < secs + 1.5) {
    for (int i = 0; i < n; i++) if (write(w[i], msg, 62) == 62) sent++;
    next += 0.01;
    double d = next - now(); if (d > 0) { struct timespec ts = {0, (long)(d * 1e9)}; nanosleep(&ts, 0); }
    if (!started && now() - t0 > 1) { started = 1; c0 = cpu(); s0 = sent; }
    if (started && now() - t0 > 1 + secs) break;
  }
  printf("writer %.0f %.3f\n", (sent - s0) / (double)secs, (cpu() - c0) * 1e6 / (sent - s0));
  fflush(stdout);
  waitpid(child, 0, 0);
  return 0;
}
