/* test-service-security.c — what a hostile or broken peer can do to the
 * service: garbage before authentication, a peer that never
 * authenticates, oversized bodies, absurd lengths, malformed headers,
 * bad file descriptors, and connections from another uid (the test runs
 * as root and drops to `nobody` in forked children). After each, the same
 * service must still serve. */
#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "rf-service-error.h"
#include "rf-service-protocol.h"
#include "service-test-util.h"

static pid_t service_pid;

/* The same service still answers. */
static void
assert_still_serving (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  g_assert_cmpint (st_service_pid (c), ==, service_pid);
}

static int
raw_connect (void)
{
  g_autofree char *path = rf_service_socket_path ();
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  g_strlcpy (sa.sun_path, path, sizeof sa.sun_path);
  if (fd >= 0 && connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0)
    {
      int err = errno;
      close (fd);
      errno = err;
      return -1;
    }
  return fd;
}

static gboolean
write_all (int fd, const void *data, size_t n)
{
  const char *p = data;
  while (n > 0)
    {
      ssize_t w = send (fd, p, n, MSG_NOSIGNAL);
      if (w <= 0)
        return FALSE;
      p += w;
      n -= (size_t) w;
    }
  return TRUE;
}

/* Reads up to @n bytes within @timeout_ms: bytes read, 0 at EOF or reset,
 * -1 on timeout. */
static ssize_t
read_some (int fd, void *buf, size_t n, int timeout_ms)
{
  struct pollfd p = { .fd = fd, .events = POLLIN };
  if (poll (&p, 1, timeout_ms) <= 0)
    return -1;
  ssize_t r = recv (fd, buf, n, 0);
  return r < 0 ? 0 : r;
}

/* Whether the peer closed within @timeout_ms (ignoring data it sends). */
static gboolean
closed_within (int fd, int timeout_ms)
{
  char buf[4096];
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (g_get_monotonic_time () < end)
    {
      ssize_t r = read_some (fd, buf, sizeof buf, 100);
      if (r == 0)
        return TRUE;
    }
  return FALSE;
}

/* The NUL byte with explicit credentials, then AUTH EXTERNAL for @uid.
 * Async-signal-safe (used in forked children). Returns the first reply
 * bytes in @reply. */
static ssize_t
raw_auth_start (int fd, uid_t uid, gid_t gid, char *reply, size_t len)
{
  char nul = 0;
  struct iovec iov = { &nul, 1 };
  union {
    char buf[CMSG_SPACE (sizeof (struct ucred))];
    struct cmsghdr align;
  } u;
  memset (&u, 0, sizeof u);
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                      .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN (sizeof (struct ucred));
  struct ucred cred = { getpid (), uid, gid };
  memcpy (CMSG_DATA (c), &cred, sizeof cred);
  if (sendmsg (fd, &m, MSG_NOSIGNAL) != 1)
    return 0;
  /* "AUTH EXTERNAL " + hex of the decimal uid */
  char dec[16], line[64] = "AUTH EXTERNAL ";
  int nd = 0;
  unsigned v = (unsigned) uid;
  do
    dec[nd++] = (char) ('0' + v % 10);
  while ((v /= 10) > 0);
  size_t pos = strlen (line);
  for (int i = nd - 1; i >= 0; i--)
    {
      static const char hex[] = "0123456789abcdef";
      line[pos++] = hex[(unsigned char) dec[i] >> 4];
      line[pos++] = hex[(unsigned char) dec[i] & 15];
    }
  line[pos++] = '\r';
  line[pos++] = '\n';
  if (!write_all (fd, line, pos))
    return 0;
  return read_some (fd, reply, len, 3000);
}

/* Authenticates as ourselves; returns the fd ready for messages. */
static int
raw_authenticated (void)
{
  int fd = raw_connect ();
  g_assert_cmpint (fd, >=, 0);
  char reply[256] = { 0 };
  g_assert_cmpint (raw_auth_start (fd, getuid (), getgid (), reply, sizeof reply - 1), >, 0);
  g_assert_true (g_str_has_prefix (reply, "OK "));
  g_assert_true (write_all (fd, "BEGIN\r\n", 7));
  return fd;
}

static guchar *
message_blob (GDBusMessage *msg, guint32 serial, gsize *size)
{
  g_dbus_message_set_serial (msg, serial);
  g_autoptr (GError) error = NULL;
  guchar *blob = g_dbus_message_to_blob (msg, size, G_DBUS_CAPABILITY_FLAGS_NONE, &error);
  g_assert_no_error (error);
  return blob;
}

static GDBusMessage *
method (const char *name, GVariant *body)
{
  GDBusMessage *m = g_dbus_message_new_method_call (NULL, RF_SERVICE_OBJECT_PATH,
                                                    RF_SERVICE_INTERFACE, name);
  if (body)
    g_dbus_message_set_body (m, body);
  return m;
}

/* Reads one whole message (NULL on EOF or timeout). */
static GDBusMessage *
read_message (int fd)
{
  guchar head[16];
  gsize got = 0;
  while (got < sizeof head)
    {
      ssize_t r = read_some (fd, head + got, sizeof head - got, 3000);
      if (r <= 0)
        return NULL;
      got += (gsize) r;
    }
  gssize need = g_dbus_message_bytes_needed (head, sizeof head, NULL);
  g_assert_cmpint (need, >=, 16);
  g_autofree guchar *blob = g_malloc ((gsize) need);
  memcpy (blob, head, sizeof head);
  while (got < (gsize) need)
    {
      ssize_t r = read_some (fd, blob + got, (gsize) need - got, 3000);
      if (r <= 0)
        return NULL;
      got += (gsize) r;
    }
  return g_dbus_message_new_from_blob (blob, got, G_DBUS_CAPABILITY_FLAGS_NONE, NULL);
}

static void
test_garbage_before_auth (void)
{
  int fd = raw_connect ();
  g_assert_cmpint (fd, >=, 0);
  const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02\x03";
  write_all (fd, junk, sizeof junk);
  g_assert_true (closed_within (fd, 3000));
  close (fd);
  assert_still_serving ();
}

static void
test_anonymous_refused (void)
{
  int fd = raw_connect ();
  g_assert_cmpint (fd, >=, 0);
  const char hello[] = "\0AUTH ANONYMOUS 72656374696679\r\n";
  g_assert_true (write_all (fd, hello, sizeof hello - 1));
  char reply[256] = { 0 };
  ssize_t n = read_some (fd, reply, sizeof reply - 1, 3000);
  /* refused: REJECTED (listing EXTERNAL only) or a closed connection */
  g_assert_true (n <= 0 || g_str_has_prefix (reply, "REJECTED"));
  if (n > 0)
    g_assert_null (strstr (reply, "ANONYMOUS"));
  if (n > 0 && write_all (fd, "BEGIN\r\n", 7))
    g_assert_true (closed_within (fd, 3000));
  close (fd);
  assert_still_serving ();
}

static void
test_silent_peer (void)
{
  int fd = raw_connect ();
  g_assert_cmpint (fd, >=, 0);
  /* others are served meanwhile */
  gint64 t0 = g_get_monotonic_time ();
  assert_still_serving ();
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 1000000);
  /* and the silent one is dropped after the authentication timeout */
  g_assert_true (closed_within (fd, RF_SERVICE_AUTH_TIMEOUT_MS + 2000));
  close (fd);
}

static void
test_oversized_body (void)
{
  int fd = raw_authenticated ();
  g_autofree char *big = g_malloc (2 << 20);
  memset (big, 'x', (2 << 20) - 1);
  big[(2 << 20) - 1] = 0;
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "padding", "s", big);
  g_autoptr (GDBusMessage) submit = method ("Submit", g_variant_new ("(s@a{sv}a(sa{sv}h))", "sleep-steps",
                                                                     g_variant_dict_end (&d), NULL));
  gsize size;
  g_autofree guchar *blob = message_blob (submit, 1, &size);
  g_assert_true (write_all (fd, blob, size));
  g_autoptr (GDBusMessage) reply = read_message (fd);
  g_assert_nonnull (reply);
  g_assert_cmpint (g_dbus_message_get_message_type (reply), ==, G_DBUS_MESSAGE_TYPE_ERROR);
  g_assert_cmpstr (g_dbus_message_get_error_name (reply), ==, "org.rectify.Service1.Error.TooLarge");
  /* the same connection still works */
  g_autoptr (GDBusMessage) status = method ("Status", NULL);
  g_autofree guchar *blob2 = message_blob (status, 2, &size);
  g_assert_true (write_all (fd, blob2, size));
  g_autoptr (GDBusMessage) reply2 = read_message (fd);
  g_assert_nonnull (reply2);
  g_assert_cmpint (g_dbus_message_get_message_type (reply2), ==, G_DBUS_MESSAGE_TYPE_METHOD_RETURN);
  close (fd);
  assert_still_serving ();
}

static void
test_absurd_length (void)
{
  int fd = raw_authenticated ();
  g_autoptr (GDBusMessage) status = method ("Status", NULL);
  gsize size;
  g_autofree guchar *blob = message_blob (status, 1, &size);
  guint32 body_len = 200u << 20; /* over D-Bus's 128 MiB */
  memcpy (blob + 4, &body_len, 4);
  g_assert_true (write_all (fd, blob, size));
  g_assert_true (closed_within (fd, 3000));
  close (fd);
  assert_still_serving ();
}

static void
test_malformed_header (void)
{
  int fd = raw_authenticated ();
  /* little-endian method call, body 8 bytes, serial 1, a header-field
   * array of 16 bytes holding nonsense */
  guchar blob[16 + 16 + 8] = { 'l', 1, 0, 1, 8, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0 };
  for (gsize i = 16; i < sizeof blob; i++)
    blob[i] = (guchar) (0xA5 ^ i);
  g_assert_true (write_all (fd, blob, sizeof blob));
  g_assert_true (closed_within (fd, 3000));
  close (fd);
  assert_still_serving ();
}

static GError *
submit_with_fds (GDBusConnection *conn, const char *type, GVariant *inputs, GUnixFDList *fds)
{
  GError *error = NULL;
  g_autoptr (GVariant) r = g_dbus_connection_call_with_unix_fd_list_sync (
    conn, NULL, RF_SERVICE_OBJECT_PATH, RF_SERVICE_INTERFACE, "Submit",
    g_variant_new ("(s@a{sv}@a(sa{sv}h))", type, g_variant_new_parsed ("{'steps': <1>}"), inputs),
    G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, &error);
  if (error)
    g_dbus_error_strip_remote_error (error);
  return error;
}

static void
test_bad_buffers (void)
{
  g_autoptr (RfServiceClient) c = st_client ();
  GDBusConnection *conn = rf_service_client_get_connection (c);
  GVariant *one = g_variant_new_parsed ("[('in', @a{sv} {}, @h 0)]");

  /* a pipe is not a memfd */
  int p[2];
  g_assert_cmpint (pipe (p), ==, 0);
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new_from_array (p, 1);
  close (p[1]);
  g_autoptr (GError) e1 = submit_with_fds (conn, "sleep-steps", g_variant_ref_sink (one), fds);
  g_assert_error (e1, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID);
  g_assert_nonnull (strstr (e1->message, "sealed memfd"));

  /* an unsealed memfd could change or shrink under the service */
  int mfd = memfd_create ("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  g_assert_cmpint (ftruncate (mfd, 64), ==, 0);
  g_autoptr (GUnixFDList) fds2 = g_unix_fd_list_new_from_array (&mfd, 1);
  g_autoptr (GError) e2 = submit_with_fds (conn, "sleep-steps", one, fds2);
  g_assert_error (e2, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID);

  /* a handle past the fd list */
  g_autoptr (GError) e3 = submit_with_fds (conn, "sleep-steps", one, NULL);
  g_assert_error (e3, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID);
  g_variant_unref (one);

  /* too many descriptors in one message */
  g_autoptr (GUnixFDList) many = g_unix_fd_list_new ();
  for (int i = 0; i < RF_SERVICE_MAX_FDS + 4; i++)
    g_unix_fd_list_append (many, 0, NULL);
  g_autoptr (GError) e4 = submit_with_fds (conn, "sleep-steps", g_variant_new_parsed ("@a(sa{sv}h) []"),
                                           many);
  g_assert_error (e4, RF_SERVICE_ERROR, RF_SERVICE_ERROR_TOO_LARGE);

  /* a wrong signature is refused by the interface description */
  g_autoptr (GError) e5 = NULL;
  g_autoptr (GVariant) r = g_dbus_connection_call_sync (conn, NULL, RF_SERVICE_OBJECT_PATH,
                                                        RF_SERVICE_INTERFACE, "Submit",
                                                        g_variant_new ("(i)", 42), NULL,
                                                        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &e5);
  g_assert_error (e5, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);

  /* a tensor whose metadata does not match its bytes fails the job, cleanly */
  g_autoptr (RfServiceBuffer) lie = st_ramp_buffer ("in", 10);
  rf_service_buffer_set_meta (lie, g_variant_new_parsed ("{'dtype': <'f32'>, 'shape': <@ax [1, 16, 4, 4]>}"));
  g_autoptr (GPtrArray) inputs = g_ptr_array_new ();
  g_ptr_array_add (inputs, lie);
  g_autoptr (GError) e6 = NULL;
  g_autoptr (GPtrArray) out = rf_service_client_run (
    c, "vae-decode", g_variant_new_parsed ("{'model': <'/nonexistent/ae.safetensors'>}"), inputs,
    NULL, NULL, NULL, &e6);
  g_assert_null (out);
  g_assert_error (e6, RF_SERVICE_ERROR, RF_SERVICE_ERROR_MODEL_MISSING);
  g_autofree char *ae = g_build_filename (g_getenv ("RECTIFY_SOURCE_DIR"), "tests", "data", "ae",
                                          "model.safetensors", NULL);
  GVariantDict d;
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert (&d, "model", "s", ae);
  g_autoptr (GError) e7 = NULL;
  g_autoptr (GPtrArray) out2 = rf_service_client_run (c, "vae-decode", g_variant_dict_end (&d),
                                                      inputs, NULL, NULL, NULL, &e7);
  g_assert_null (out2);
  g_assert_error (e7, RF_SERVICE_ERROR, RF_SERVICE_ERROR_INVALID);
  g_assert_nonnull (strstr (e7->message, "shape needs"));
  assert_still_serving ();
}

/* --- another uid ------------------------------------------------------ */

enum { CHILD_REFUSED = 0, CHILD_ACCEPTED = 1, CHILD_UNEXPECTED = 2 };

static uid_t other_uid;
static gid_t other_gid;
static guchar *status_blob;
static gsize status_blob_size;

static void
drop_privileges (void)
{
  if (setgroups (0, NULL) != 0 || setresgid (other_gid, other_gid, other_gid) != 0
      || setresuid (other_uid, other_uid, other_uid) != 0)
    _exit (CHILD_UNEXPECTED);
}

/* The child speaks D-Bus as far as it is let: CHILD_ACCEPTED if a method
 * reply ever comes back. Raw syscalls only (we forked a threaded process). */
static int
child_try (int fd)
{
  char reply[256] = { 0 };
  ssize_t n = raw_auth_start (fd, other_uid, other_gid, reply, sizeof reply - 1);
  if (n <= 0 || strncmp (reply, "OK ", 3) != 0)
    return CHILD_REFUSED;
  if (!write_all (fd, "BEGIN\r\n", 7) || !write_all (fd, status_blob, status_blob_size))
    return CHILD_REFUSED;
  return read_some (fd, reply, sizeof reply, 3000) > 0 ? CHILD_ACCEPTED : CHILD_REFUSED;
}

static int
run_child (int mode)
{
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int fd = -1;
      if (mode == 2)
        fd = raw_connect (); /* connect as root, then change uid */
      drop_privileges ();
      if (mode != 2)
        fd = raw_connect ();
      if (fd < 0)
        _exit (mode == 0 && errno == EACCES ? CHILD_REFUSED : CHILD_UNEXPECTED);
      _exit (child_try (fd));
    }
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_other_uid (void)
{
  if (getuid () != 0)
    {
      g_test_skip ("needs root to act as a second user");
      return;
    }
  struct passwd *pw = getpwnam ("nobody");
  other_uid = pw ? pw->pw_uid : 65534;
  other_gid = pw ? pw->pw_gid : 65534;
  g_autoptr (GDBusMessage) status = method ("Status", NULL);
  status_blob = message_blob (status, 1, &status_blob_size);

  /* 1. the 0700 directory keeps other users from even connecting */
  g_assert_cmpint (run_child (0), ==, CHILD_REFUSED);

  /* 2. with the file-system fence opened, the peer-credential check refuses */
  g_autofree char *dir = rf_service_runtime_dir ();
  g_autofree char *sock = rf_service_socket_path ();
  g_assert_cmpint (g_chmod (st_runtime_dir (), 0711), ==, 0);
  g_assert_cmpint (g_chmod (dir, 0711), ==, 0);
  g_assert_cmpint (g_chmod (sock, 0666), ==, 0);
  int r1 = run_child (1);
  /* 3. a socket connected by us but used by another uid (passed on, or
   *    kept across setuid): the handshake's credentials are another uid's,
   *    and the handshake refuses them */
  int r2 = run_child (2);
  g_chmod (sock, 0600);
  g_chmod (dir, 0700);
  g_chmod (st_runtime_dir (), 0700);
  g_assert_cmpint (r1, ==, CHILD_REFUSED);
  g_assert_cmpint (r2, ==, CHILD_REFUSED);
  g_clear_pointer (&status_blob, g_free);

  g_autofree char *log = g_build_filename (dir, "service.log", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  g_autofree char *line = g_strdup_printf ("refused a connection from uid %d", (int) other_uid);
  g_assert_nonnull (strstr (text, line));
  assert_still_serving ();
}

int
main (int argc, char **argv)
{
  st_setup (NULL);
  g_test_init (&argc, &argv, NULL);
  g_autoptr (RfServiceClient) c = st_client ();
  service_pid = st_service_pid (c);
  g_test_add_func ("/service-security/garbage-before-auth", test_garbage_before_auth);
  g_test_add_func ("/service-security/anonymous-refused", test_anonymous_refused);
  g_test_add_func ("/service-security/oversized-body", test_oversized_body);
  g_test_add_func ("/service-security/absurd-length", test_absurd_length);
  g_test_add_func ("/service-security/malformed-header", test_malformed_header);
  g_test_add_func ("/service-security/bad-buffers", test_bad_buffers);
  g_test_add_func ("/service-security/other-uid", test_other_uid);
  g_test_add_func ("/service-security/silent-peer", test_silent_peer);
  int status = g_test_run ();
  g_clear_pointer (&c, rf_service_client_free);
  return st_teardown (status);
}
