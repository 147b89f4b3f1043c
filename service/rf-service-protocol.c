/* rf-service-protocol.c — interface description and the socket's place. */
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rf-config.h"
#include "rf-service-error.h"
#include "rf-service-protocol.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" RF_SERVICE_INTERFACE "'>"
  "    <method name='Submit'>"
  "      <arg type='s' name='type' direction='in'/>"
  "      <arg type='a{sv}' name='params' direction='in'/>"
  "      <arg type='a(sa{sv}h)' name='inputs' direction='in'/>"
  "      <arg type='t' name='job' direction='out'/>"
  "    </method>"
  "    <method name='Cancel'>"
  "      <arg type='t' name='job' direction='in'/>"
  "      <arg type='b' name='known' direction='out'/>"
  "    </method>"
  "    <method name='Status'>"
  "      <arg type='a{sv}' name='status' direction='out'/>"
  "    </method>"
  "    <method name='ListModels'>"
  "      <arg type='aa{sv}' name='models' direction='out'/>"
  "    </method>"
  "    <method name='Shutdown'/>"
  "    <method name='StopWhenIdle'>"
  "      <arg type='b' name='now' direction='out'/>"
  "    </method>"
  "    <signal name='Progress'>"
  "      <arg type='t' name='job'/><arg type='s' name='phase'/>"
  "      <arg type='i' name='done'/><arg type='i' name='total'/>"
  "    </signal>"
  "    <signal name='Preview'>"
  "      <arg type='t' name='job'/><arg type='i' name='step'/>"
  "      <arg type='a{sv}' name='meta'/><arg type='h' name='image'/>"
  "    </signal>"
  "    <signal name='Notice'>"
  "      <arg type='t' name='job'/><arg type='s' name='message'/>"
  "    </signal>"
  "    <signal name='Finished'>"
  "      <arg type='t' name='job'/><arg type='b' name='ok'/>"
  "      <arg type='a{sv}' name='error'/><arg type='a{sv}' name='result'/>"
  "      <arg type='a(sa{sv}h)' name='outputs'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

const char *
rf_service_protocol_version (void)
{
  const char *v = g_getenv ("RECTIFY_TEST_SERVICE_VERSION");
  return v && *v ? v : RECTIFY_VERSION;
}

const char *
rf_service_introspection_xml (void)
{
  return introspection_xml;
}

char *
rf_service_runtime_dir (void)
{
  return g_build_filename (g_get_user_runtime_dir (), "rectify", NULL);
}

char *
rf_service_socket_path (void)
{
  g_autofree char *dir = rf_service_runtime_dir ();
  return g_build_filename (dir, "service.sock", NULL);
}

gboolean
rf_service_ensure_runtime_dir (GError **error)
{
  g_autofree char *dir = rf_service_runtime_dir ();
  if (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700) != 0
      || (g_mkdir (dir, 0700) != 0 && errno != EEXIST))
    {
      int err = errno;
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("cannot create %s: %s"), dir, g_strerror (err));
      return FALSE;
    }
  struct stat st;
  if (lstat (dir, &st) != 0 || !S_ISDIR (st.st_mode) || st.st_uid != getuid ()
      || (st.st_mode & 077) != 0)
    {
      g_set_error (error, RF_SERVICE_ERROR, RF_SERVICE_ERROR_UNAVAILABLE,
                   _("%s must be a directory owned by you with mode 0700; remove it or fix "
                     "its permissions"), dir);
      return FALSE;
    }
  return TRUE;
}
