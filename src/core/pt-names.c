/* pt-names.c: names come from libpci, never from a parser of our own.
 *
 * libpci is not thread-safe and its default error handler calls exit(), so
 * one access object lives behind a lock with handlers that only log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <pci/pci.h>

#include "pt-names.h"

G_LOCK_DEFINE_STATIC (names);
static struct pci_access *names_access;

static void
names_log (char *msg, ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, msg);
  text = g_strdup_vprintf (msg, ap);
  va_end (ap);
  g_debug ("libpci: %s", text);
}

static struct pci_access *
names_get_access (void)
{
  if (names_access == NULL)
    {
      const char *ids = g_getenv ("PASSTHROUGH_PCI_IDS");

      names_access = pci_alloc ();
      /* libpci declares error() as noreturn; the name lookups only ever
       * warn (a missing or damaged pci.ids), so logging is all we need. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdiscarded-qualifiers"
      names_access->error = names_log;
#pragma GCC diagnostic pop
      names_access->warning = names_log;
      names_access->debug = names_log;
      if (ids != NULL && *ids != '\0')
        pci_set_name_list_path (names_access, (char *) ids, 0);
    }
  return names_access;
}

/* libpci remembers the names it found, but not the ones it did not: each
 * miss asks udev's hwdb again (a udev context and five file opens), which on
 * a card with hundreds of virtual functions costs more than everything else.
 * So every answer, found or not, is kept here; NULL values are the misses. */
static GHashTable *names_answers;

typedef struct
{
  guint32 flags;
  guint16 v[4];
} NamesKey;

static guint
names_key_hash (gconstpointer p)
{
  const NamesKey *k = p;
  return (k->flags * 31u + k->v[0]) * 65599u ^ (k->v[1] * 257u + k->v[2]) * 31u ^ k->v[3];
}

static gboolean
names_key_equal (gconstpointer a,
                 gconstpointer b)
{
  return memcmp (a, b, sizeof (NamesKey)) == 0;
}

static char *
names_lookup (int flags, ...)
{
  char buf[256];
  NamesKey key = { 0 };
  char *res;
  gpointer cached;
  va_list ap;
  int v[4];

  va_start (ap, flags);
  for (int i = 0; i < 4; i++)
    v[i] = va_arg (ap, int);
  va_end (ap);

  key.flags = (guint32) flags;
  for (int i = 0; i < 4; i++)
    key.v[i] = (guint16) v[i];
  G_LOCK (names);
  if (names_answers == NULL)
    names_answers = g_hash_table_new_full (names_key_hash, names_key_equal, g_free, g_free);
  if (g_hash_table_lookup_extended (names_answers, &key, NULL, &cached))
    {
      res = g_strdup (cached);
      G_UNLOCK (names);
      return res;
    }
  res = pci_lookup_name (names_get_access (), buf, sizeof buf,
                         flags | PCI_LOOKUP_NO_NUMBERS, v[0], v[1], v[2], v[3]);
  res = res ? g_strdup (res) : NULL;
  g_hash_table_insert (names_answers, g_memdup2 (&key, sizeof key), g_strdup (res));
  G_UNLOCK (names);
  return res;
}

char *
pt_names_vendor (guint16 vendor)
{
  return names_lookup (PCI_LOOKUP_VENDOR, vendor, 0, 0, 0);
}

char *
pt_names_device (guint16 vendor,
                 guint16 device)
{
  return names_lookup (PCI_LOOKUP_DEVICE, vendor, device, 0, 0);
}

char *
pt_names_subsystem (guint16 vendor,
                    guint16 device,
                    guint16 subsystem_vendor,
                    guint16 subsystem_device)
{
  if (subsystem_vendor == 0 && subsystem_device == 0)
    return NULL;
  return names_lookup (PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE,
                       vendor, device, subsystem_vendor, subsystem_device);
}

char *
pt_names_class (guint32 class_code)
{
  return names_lookup (PCI_LOOKUP_CLASS, (int) (class_code >> 8), 0, 0, 0);
}
