/*
 * procvisor's native spawner: posix_spawn (vfork-style: its cost does not grow with the
 * service's memory, unlike libuv's fork) + a pidfd watched on the event loop for the exit.
 *
 * spawn(file, argv, envp, cwd, stdinPipe, onExit) -> [pid, stdinFd, outFd, errFd]
 *   file      absolute path of the program (resolved by the caller against the child's PATH)
 *   cwd       '' to inherit
 *   onExit    called once on the loop thread with (code, signal): exactly one is non-negative
 * Throws an Error with `code` (errno name) and `errno` when the spawn fails (chdir, exec).
 * The child: own process group, every signal's disposition default, empty signal mask, no fd of
 * the service but 0/1/2 (closefrom). The parent's ends are O_CLOEXEC; the caller owns them.
 *
 * The exit is read with waitid(P_PID, pid) only when the pidfd says the child exited: never a
 * wait on any other pid, so processes libuv owns stay libuv's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref on_exit;
  pid_t pid;
  int pidfd;
} exit_watch;

static int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

static napi_value throw_errno(napi_env env, int err, const char *what) {
  napi_value msg, code, error, errnum;
  char text[256];
  const char *name = err == ENOENT ? "ENOENT" : err == ENOTDIR ? "ENOTDIR" : err == EACCES ? "EACCES"
                   : err == E2BIG ? "E2BIG" : err == EMFILE ? "EMFILE" : err == ENFILE ? "ENFILE"
                   : err == ENOMEM ? "ENOMEM" : err == EAGAIN ? "EAGAIN" : err == ENOEXEC ? "ENOEXEC"
                   : err == ENOSYS ? "ENOSYS" : "EUNKNOWN";
  snprintf(text, sizeof text, "%s %s: %s", what, name, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_throw(env, error);
  return NULL;
}

static char *get_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (!s) return NULL;
  napi_get_value_string_utf8(env, value, s, len + 1, &len);
  return s;
}

/* A NULL-terminated char* array from a JS array of strings; NULL on failure. */
static char **get_strings(napi_env env, napi_value array) {
  uint32_t n = 0;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_get_element(env, array, i, &item);
    out[i] = get_string(env, item);
    if (!out[i]) {
      for (uint32_t j = 0; j < i; j++) free(out[j]);
      free(out);
      return NULL;
    }
  }
  return out;
}

static void free_strings(char **list) {
  if (!list) return;
  for (char **p = list; *p; p++) free(*p);
  free(list);
}

static void on_watch_closed(uv_handle_t *handle) {
  exit_watch *w = (exit_watch *)handle;
  close(w->pidfd);
  free(w);
}

static void on_pidfd_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  exit_watch *w = (exit_watch *)poll;
  siginfo_t info;
  memset(&info, 0, sizeof info);
  /* Readable means the child exited; WNOHANG guards against a spurious wake-up. */
  int r;
  do r = waitid(P_PID, (id_t)w->pid, &info, WEXITED | WNOHANG);
  while (r == -1 && errno == EINTR);
  if (r == 0 && info.si_pid == 0) {
    /* Not exited yet: a spurious wake-up, or a poll error (libuv stopped the poll): watch on. */
    if (status < 0) uv_poll_start(poll, UV_READABLE, on_pidfd_readable);
    return;
  }
  int code = -1, sig = -1;
  if (r == 0 && info.si_code == CLD_EXITED) code = info.si_status;
  else if (r == 0) sig = info.si_status;
  else code = -2; /* ECHILD: someone else reaped it (should not happen); reported as unknown */
  uv_poll_stop(poll);
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value callback, global, argv[2], ignored;
  napi_get_reference_value(w->env, w->on_exit, &callback);
  napi_get_global(w->env, &global);
  napi_create_int32(w->env, code, &argv[0]);
  napi_create_int32(w->env, sig, &argv[1]);
  napi_async_context ctx = NULL;
  napi_value resource_name;
  napi_create_string_utf8(w->env, "procvisor:exit", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(w->env, NULL, resource_name, &ctx);
  /* make_callback runs the microtask queue and reports an exception as uncaught. */
  napi_make_callback(w->env, ctx, global, callback, 2, argv, &ignored);
  napi_async_destroy(w->env, ctx);
  napi_delete_reference(w->env, w->on_exit);
  napi_close_handle_scope(w->env, scope);
  uv_close((uv_handle_t *)poll, on_watch_closed);
}

static void close_pair(int fds[2]) {
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
}

static napi_value spawn_child(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, stdinPipe, onExit)");
    return NULL;
  }
  bool stdin_pipe = false;
  napi_get_value_bool(env, args[4], &stdin_pipe);

  char *file = get_string(env, args[0]);
  char *cwd = get_string(env, args[3]);
  char **argv = get_strings(env, args[1]);
  char **envp = get_strings(env, args[2]);
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  int pidfd = -1, fail = 0;
  const char *stage = "spawn";
  pid_t pid = -1;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);

  if (!file || !cwd || !argv || !envp) { fail = ENOMEM; goto done; }
  /* stdin: a socket pair so that end() is a shutdown(SHUT_WR) the child reads as EOF. */
  if (stdin_pipe ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) { fail = errno; stage = "stdin"; goto done; }
  /* Output: a socket pair, as libuv gives child_process. A 64 KiB pipe made a fast producer and
   * the service take turns every 64 KiB (measured: about half child_process's ingestion rate);
   * growing the pipe (F_SETPIPE_SZ) is charged to the user's pipe-buffer quota, which many
   * concurrent processes would exhaust, after which Linux gives new pipes 8 KiB. */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) || pipe2(err, O_CLOEXEC)) { fail = errno; stage = "pipe"; goto done; }

  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  /* Everything above 2 goes, whether or not its owner set O_CLOEXEC. */
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (cwd[0] != '\0') posix_spawn_file_actions_addchdir_np(&actions, cwd);

  sigset_t all, none;
  /* Every bit, not sigfillset: that leaves out glibc's internal signals 32 and 33, which the
   * spawn would then leave ignored in the child (libuv's fork resets them too). */
  memset(&all, 0xff, sizeof all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_USEVFORK);

  fail = posix_spawn(&pid, file, &actions, &attr, argv, envp);
  if (fail) { stage = "spawn"; goto done; }
  pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    /* Cannot watch it: kill and reap it here rather than leak an unwatched child. */
    fail = errno;
    stage = "pidfd_open";
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    goto done;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);

done:
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_strings(argv);
  free_strings(envp);
  /* The child's ends are the child's now (or nobody's on failure). */
  if (in[0] >= 0) close(in[0]);
  if (out[1] >= 0) close(out[1]);
  if (err[1] >= 0) close(err[1]);
  if (fail) {
    if (in[1] >= 0) close(in[1]);
    if (out[0] >= 0) close(out[0]);
    if (err[0] >= 0) close(err[0]);
    return throw_errno(env, fail, stage);
  }

  exit_watch *w = calloc(1, sizeof *w);
  uv_loop_t *loop = NULL;
  napi_get_uv_event_loop(env, &loop);
  if (!w || uv_poll_init(loop, &w->poll, pidfd) != 0) {
    /* Unreachable in practice; the child is running, so do not leave it unwatched. */
    free(w);
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pidfd);
    int fds[2] = {in[1], out[0]};
    close_pair(fds);
    close(err[0]);
    return throw_errno(env, ENOMEM, "watch");
  }
  w->env = env;
  w->pid = pid;
  w->pidfd = pidfd;
  napi_create_reference(env, args[5], 1, &w->on_exit);
  uv_poll_start(&w->poll, UV_READABLE, on_pidfd_readable);

  napi_value result, v;
  napi_create_array_with_length(env, 4, &result);
  int values[4] = {pid, stdin_pipe ? in[1] : -1, out[0], err[0]};
  for (uint32_t i = 0; i < 4; i++) {
    napi_create_int32(env, values[i], &v);
    napi_set_element(env, result, i, v);
  }
  return result;
}

/* True when this kernel has pidfd_open (Linux 5.3+). */
static napi_value has_pidfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = pidfd_open(getpid());
  napi_value result;
  napi_get_boolean(env, fd >= 0, &result);
  if (fd >= 0) close(fd);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"spawn", NULL, spawn_child, NULL, NULL, NULL, napi_default, NULL},
    {"hasPidfd", NULL, has_pidfd, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
