/*
 * pss-at-exit: memory of short processes, for the podsg-cni bench. A CNI plugin lives for a few
 * milliseconds, too short to sample /proc from outside; so this runs a command under ptrace,
 * follows every process it starts (fork, vfork, clone, exec) and stops each thread at its exit
 * (PTRACE_EVENT_EXIT, before the kernel tears the address space down), where it reads the
 * process's proportional set size (Pss in /proc/PID/smaps_rollup) and its peak resident set
 * (VmHWM in /proc/PID/status). One line per exiting thread goes to the log:
 *
 *   <tgid> <tid> <pss KiB> <hwm KiB> <comm>
 *
 * A process's figure is the largest of its threads' (they share one address space). Memory
 * that a process frees back to the kernel before it exits is not seen; a CNI plugin's memory
 * grows until it exits, so its PSS at exit is its peak PSS.
 *
 * usage: pss-at-exit <log file> <command> [args...]   (exits with the command's exit code)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TRACED 65536

static unsigned char seen[MAX_TRACED / 8 * 64];

static int first_stop(pid_t pid) {
  size_t index = (size_t)pid % (sizeof seen * 8);
  int fresh = !(seen[index / 8] & (1u << (index % 8)));
  seen[index / 8] |= (unsigned char)(1u << (index % 8));
  return fresh;
}

static long field_kib(const char *path, const char *name) {
  FILE *file = fopen(path, "r");
  if (file == NULL) return -1;
  char line[256];
  long value = -1;
  size_t length = strlen(name);
  while (fgets(line, sizeof line, file) != NULL) {
    if (strncmp(line, name, length) == 0 && line[length] == ':') {
      value = strtol(line + length + 1, NULL, 10);
      break;
    }
  }
  fclose(file);
  return value;
}

static void record(FILE *log, pid_t tid) {
  char path[64], comm[64] = "?";
  snprintf(path, sizeof path, "/proc/%d/smaps_rollup", tid);
  long pss = field_kib(path, "Pss");
  snprintf(path, sizeof path, "/proc/%d/status", tid);
  long hwm = field_kib(path, "VmHWM");
  long tgid = field_kib(path, "Tgid");
  snprintf(path, sizeof path, "/proc/%d/comm", tid);
  FILE *file = fopen(path, "r");
  if (file != NULL) {
    if (fgets(comm, sizeof comm, file) != NULL) comm[strcspn(comm, "\n")] = '\0';
    fclose(file);
  }
  fprintf(log, "%ld %d %ld %ld %s\n", tgid, tid, pss, hwm, comm);
  fflush(log);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: pss-at-exit <log file> <command> [args...]\n");
    return 2;
  }
  FILE *log = fopen(argv[1], "a");
  if (log == NULL) {
    perror(argv[1]);
    return 2;
  }
  pid_t root = fork();
  if (root == 0) {
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    raise(SIGSTOP);
    execvp(argv[2], argv + 2);
    perror(argv[2]);
    _exit(127);
  }
  int status;
  if (waitpid(root, &status, 0) != root || !WIFSTOPPED(status)) return 2;
  first_stop(root);
  ptrace(PTRACE_SETOPTIONS, root, NULL,
         (void *)(PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                  PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
  ptrace(PTRACE_CONT, root, NULL, NULL);
  int exit_code = 1;
  for (;;) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break; /* no traced process left */
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (pid == root) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    int signal = WSTOPSIG(status);
    int event = status >> 16;
    if (event == PTRACE_EVENT_EXIT) record(log, pid);
    if (event != 0) signal = 0;
    else if (signal == SIGSTOP && first_stop(pid)) signal = 0; /* a new child's attach stop */
    else if (signal == SIGTRAP) signal = 0;
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)signal);
  }
  fclose(log);
  return exit_code;
}
