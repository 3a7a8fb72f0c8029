/*
 * podsg-cni: the binary the container runtime runs for every CNI call. It holds no CNI logic:
 * it hands the call (the CNI_* environment, PATH and stdin) to the node agent over the agent's
 * unix socket (POST /v1/cni), writes the agent's answer to stdout and exits with the agent's exit
 * code. The agent runs the TypeScript plugin (runCniCommand) in its own process, so no Node.js
 * starts per pod.
 *
 * When the agent cannot give an answer (no socket, an agent without /v1/cni, a connection that
 * ends early, a request it will not take), the call goes, unchanged, to the Node.js plugin
 * installed next to this binary as `podsg-cni-node`: the behaviour without an agent is exactly
 * the Node.js plugin's.
 *
 * The wire format (docs/architecture.md, "The CNI endpoint"):
 *   request body  = "NAME=VALUE\0" for each forwarded variable, then "\0", then the stdin bytes
 *   response      = 200 with header "podsg-cni-exit-code: N" and the plugin's stdout as the body
 *
 * The socket path is the network configuration's top-level "agentSocket" string, found by a
 * bounded scan that understands only JSON strings and nesting; absent, the agent's default.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_SOCKET "/run/podsg/agent.sock"
#define FALLBACK_NAME "podsg-cni-node"
/* Far above any network configuration; the Node.js plugin takes anything larger. */
#define MAX_STDIN (64 << 20)
#define MAX_REPLY (64 << 20)

struct buffer {
  char *bytes;
  size_t length;
  size_t capacity;
};

static int append(struct buffer *buf, const void *bytes, size_t length) {
  if (buf->length + length + 1 > buf->capacity) {
    size_t capacity = buf->capacity == 0 ? 8192 : buf->capacity;
    while (buf->length + length + 1 > capacity) capacity *= 2;
    char *grown = realloc(buf->bytes, capacity);
    if (grown == NULL) return -1;
    buf->bytes = grown;
    buf->capacity = capacity;
  }
  memcpy(buf->bytes + buf->length, bytes, length);
  buf->length += length;
  buf->bytes[buf->length] = '\0';
  return 0;
}

/* Reads fd to its end; -1 on a read error or past `limit`. */
static int read_all(int fd, struct buffer *buf, size_t limit) {
  char chunk[16384];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n == 0) return append(buf, "", 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (buf->length + (size_t)n > limit || append(buf, chunk, (size_t)n) != 0) return -1;
  }
}

static int write_all(int fd, const char *bytes, size_t length) {
  while (length > 0) {
    ssize_t n = send(fd, bytes, length, MSG_NOSIGNAL);
    if (n < 0 && errno == ENOTSOCK) n = write(fd, bytes, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    bytes += n;
    length -= (size_t)n;
  }
  return 0;
}

/*
 * The value of the top-level "agentSocket" key of the JSON object in `text`, copied to `out`.
 * Returns 1 when found, 0 when absent, -1 when present but not a plain string that fits
 * (escapes, too long): then only the Node.js plugin can read it.
 */
static int scan_agent_socket(const char *text, size_t length, char *out, size_t out_size) {
  static const char key[] = "\"agentSocket\"";
  int depth = 0;
  for (size_t i = 0; i < length; i++) {
    char c = text[i];
    if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
    } else if (c == '"') {
      size_t start = i;
      for (i++; i < length && text[i] != '"'; i++)
        if (text[i] == '\\') i++;
      if (depth != 1 || i - start + 1 != sizeof key - 1 || memcmp(text + start, key, sizeof key - 1) != 0)
        continue;
      size_t j = i + 1;
      while (j < length && strchr(" \t\r\n", text[j]) != NULL && text[j] != '\0') j++;
      if (j >= length || text[j] != ':') continue; /* the string was a value, not a key */
      for (j++; j < length && strchr(" \t\r\n", text[j]) != NULL && text[j] != '\0'; j++) {
      }
      if (j >= length || text[j] != '"') return -1;
      size_t value = j + 1, end = value;
      while (end < length && text[end] != '"' && text[end] != '\\') end++;
      if (end >= length || text[end] != '"' || end - value + 1 > out_size) return -1;
      memcpy(out, text + value, end - value);
      out[end - value] = '\0';
      return 1;
    }
  }
  return 0;
}

/* The variables the plugin reads: the CNI_* set the runtime passes, and PATH for the delegate. */
static int forwarded(const char *entry) {
  return strncmp(entry, "CNI_", 4) == 0 || strncmp(entry, "PATH=", 5) == 0;
}

/* Case-insensitive search for a header line's name in the head; returns its value or NULL. */
static const char *header_value(const char *head, const char *name) {
  size_t length = strlen(name);
  for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, name, length) == 0 && line[2 + length] == ':') {
      const char *value = line + 3 + length;
      while (*value == ' ') value++;
      return value;
    }
  }
  return NULL;
}

/* Asks the agent. Returns the exit code to exit with, or -1 when the Node.js plugin must answer. */
static int ask_agent(const char *socket_path, const struct buffer *stdin_bytes) {
  struct buffer body = {0}, reply = {0};
  int exit_code = -1;
  int fd = -1;
  for (char **env = environ; *env != NULL; env++)
    if (forwarded(*env) && append(&body, *env, strlen(*env) + 1) != 0) goto done;
  if (append(&body, "", 1) != 0 || append(&body, stdin_bytes->bytes, stdin_bytes->length) != 0)
    goto done;

  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof address.sun_path) goto done;
  strcpy(address.sun_path, socket_path);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) goto done;

  char head[256];
  int head_length = snprintf(head, sizeof head,
                             "POST /v1/cni HTTP/1.1\r\nHost: podsg-agent\r\n"
                             "Content-Type: application/vnd.podsg.cni-call\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                             body.length);
  if (write_all(fd, head, (size_t)head_length) != 0 || write_all(fd, body.bytes, body.length) != 0)
    goto done;
  if (read_all(fd, &reply, MAX_REPLY) != 0 || reply.length == 0) goto done;

  if (strncmp(reply.bytes, "HTTP/1.1 200 ", 13) != 0) goto done;
  char *end_of_head = strstr(reply.bytes, "\r\n\r\n");
  if (end_of_head == NULL) goto done;
  end_of_head[2] = '\0'; /* the head, each line ending in \r\n */
  const char *code = header_value(reply.bytes, "podsg-cni-exit-code");
  const char *declared = header_value(reply.bytes, "content-length");
  if (code == NULL || declared == NULL) goto done;
  const char *stdout_bytes = end_of_head + 4;
  size_t stdout_length = reply.length - (size_t)(stdout_bytes - reply.bytes);
  char *rest;
  long parsed_code = strtol(code, &rest, 10);
  if (rest == code || parsed_code < 0 || parsed_code > 255) goto done;
  if (strtoul(declared, NULL, 10) != stdout_length) goto done; /* the answer ended early */
  /* Nobody reading our answer (EPIPE) does not change the exit code. */
  (void)write_all(STDOUT_FILENO, stdout_bytes, stdout_length);
  exit_code = (int)parsed_code;
done:
  if (fd >= 0) close(fd);
  free(body.bytes);
  free(reply.bytes);
  return exit_code;
}

/* Runs the Node.js plugin next to this binary with the same stdin bytes; returns only on failure. */
static void run_node_plugin(char **argv, const struct buffer *stdin_bytes) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash == NULL || (size_t)(slash - self) + sizeof FALLBACK_NAME + 1 > sizeof self) return;
  strcpy(slash + 1, FALLBACK_NAME);
  int fd = memfd_create("podsg-cni-stdin", 0);
  if (fd < 0 || write_all(fd, stdin_bytes->bytes, stdin_bytes->length) != 0 ||
      lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, STDIN_FILENO) < 0)
    return;
  close(fd);
  execv(self, argv);
  fprintf(stderr, "podsg-cni: cannot run %s: %s\n", self, strerror(errno));
}

int main(int argc, char **argv) {
  (void)argc;
  struct buffer stdin_bytes = {0};
  if (read_all(STDIN_FILENO, &stdin_bytes, MAX_STDIN) == 0) {
    char socket_path[sizeof ((struct sockaddr_un *)0)->sun_path];
    int found = scan_agent_socket(stdin_bytes.bytes, stdin_bytes.length, socket_path, sizeof socket_path);
    if (found >= 0) {
      int exit_code = ask_agent(found == 1 ? socket_path : DEFAULT_SOCKET, &stdin_bytes);
      if (exit_code >= 0) return exit_code;
    }
    run_node_plugin(argv, &stdin_bytes);
  } else {
    fprintf(stderr, "podsg-cni: cannot read stdin: %s\n", strerror(errno));
  }
  /* Neither the agent nor the Node.js plugin answered: an internal error, in CNI form. */
  static const char failure[] =
      "{\"cniVersion\":\"1.1.0\",\"code\":999,\"msg\":\"podsg-cni: neither the node agent nor "
      "the Node.js plugin " FALLBACK_NAME " could be run; see the runtime's log\"}\n";
  (void)write_all(STDOUT_FILENO, failure, sizeof failure - 1);
  return 1;
}
