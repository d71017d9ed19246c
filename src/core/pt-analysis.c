/* pt-analysis.c: what goes together, what looks alike, what the host needs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "pt-guard.h"
#include "pt-topology-private.h"

static PtDevice *
nth_device (PtTopology *self,
            guint       i)
{
  PtDevice *dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
  g_object_unref (dev); /* the store keeps it alive */
  return dev;
}

/* Identical IDs only matter for devices that can be bound at boot: bridges
 * never are, and virtual functions only at runtime, by address.  Leaving them
 * out also keeps an SR-IOV card with hundreds of identical VFs from turning
 * this into a quadratic list. */
static gboolean
counts_for_same_ids (PtDevice *dev)
{
  return pt_device_is_endpoint (dev) && dev->physfn == NULL;
}

/* Addresses are fixed-width ("0000:01:00.0"), so two functions share a slot
 * when everything before the function number is equal. */
static gboolean
same_slot (PtDevice *a,
           PtDevice *b)
{
  return strncmp (a->address, b->address, sizeof "0000:00:00" - 1) == 0;
}

/**
 * pt_analysis_relations:
 *
 * Fills slot_functions, shares_group_with and same_ids_as from the devices
 * alone, so a snapshot and a live system get the same answers.  The devices
 * are sorted by address, so the functions of a slot stand next to each other.
 */
void
pt_analysis_relations (PtTopology *self)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (NULL, NULL, NULL,
                                                      (GDestroyNotify) g_ptr_array_unref);
  guint n = pt_topology_get_n_devices (self);
  g_autofree PtDevice **devs = g_new (PtDevice *, n + 1);
  guint n_groups;
  guint run_start = 0;

  /* one walk over the store; the loops below index a plain array */
  for (guint i = 0; i < n; i++)
    devs[i] = nth_device (self, i);

  for (guint i = 0; i < n; i++)
    {
      PtDevice *dev = devs[i];

      g_ptr_array_set_size (dev->slot_functions, 0);
      g_ptr_array_set_size (dev->same_ids_as, 0);
      g_ptr_array_set_size (dev->shares_group_with, 0);

      if (counts_for_same_ids (dev))
        {
          gpointer key = GUINT_TO_POINTER (((guint) dev->vendor << 16) | dev->device);
          GPtrArray *same = g_hash_table_lookup (ids, key);
          if (same == NULL)
            {
              same = g_ptr_array_new ();
              g_hash_table_insert (ids, key, same);
            }
          g_ptr_array_add (same, dev);
        }
    }

  /* slot functions: runs of equal slots in the sorted list */
  for (guint i = 1; i <= n; i++)
    {
      if (i < n && same_slot (devs[i], devs[run_start]))
        continue;
      for (guint a = run_start; a < i; a++)
        for (guint b = run_start; b < i; b++)
          if (a != b)
            g_ptr_array_add (devs[a]->slot_functions, g_ref_string_acquire (devs[b]->address));
      run_start = i;
    }

  for (guint i = 0; i < n; i++)
    {
      PtDevice *dev = devs[i];
      GPtrArray *same;

      if (!counts_for_same_ids (dev))
        continue;
      same = g_hash_table_lookup (ids, GUINT_TO_POINTER (((guint) dev->vendor << 16) | dev->device));
      for (guint j = 0; j < same->len; j++)
        {
          PtDevice *other = g_ptr_array_index (same, j);
          if (other != dev && !same_slot (other, dev))
            g_ptr_array_add (dev->same_ids_as, g_ref_string_acquire (other->address));
        }
    }

  n_groups = g_list_model_get_n_items (G_LIST_MODEL (self->groups));
  for (guint g = 0; g < n_groups; g++)
    {
      g_autoptr(PtGroup) group = g_list_model_get_item (G_LIST_MODEL (self->groups), g);
      GListModel *devices = pt_group_get_devices (group);
      guint m = g_list_model_get_n_items (devices);

      if (m < 2)
        continue;
      for (guint i = 0; i < m; i++)
        {
          g_autoptr(PtDevice) dev = g_list_model_get_item (devices, i);

          for (guint j = 0; j < m; j++)
            {
              g_autoptr(PtDevice) other = g_list_model_get_item (devices, j);

              if (other != dev && pt_device_is_endpoint (other) && !same_slot (dev, other))
                g_ptr_array_add (dev->shares_group_with, g_ref_string_acquire (other->address));
            }
        }
    }
}

/* The nearest PCI function on a real sysfs path: for
 * ".../0000:00:01.1/0000:01:00.0/nvme/nvme0/nvme0n1" that is 0000:01:00.0. */
char *
pt_analysis_pci_ancestor (const char *real_path)
{
  g_auto(GStrv) parts = NULL;

  if (real_path == NULL)
    return NULL;
  parts = g_strsplit (real_path, "/", -1);
  for (int i = (int) g_strv_length (parts) - 1; i >= 0; i--)
    if (pt_address_is_valid (parts[i]))
      return g_strdup (parts[i]);
  return NULL;
}

static void
mark_holds (PtTopology *self,
            const char *address,
            const char *what)
{
  PtDevice *dev = address ? g_hash_table_lookup (self->by_address, address) : NULL;

  if (dev != NULL)
    pt_device_add_unique (dev->holds, what);
}

/* Marks the controller under a block device, following device-mapper and md
 * "slaves" down to the disks (LVM, LUKS, RAID). */
static void
mark_block_dir (PtTopology *self,
                PtPaths    *paths,
                const char *block_link,
                const char *what,
                int         depth)
{
  g_autofree char *real = NULL;
  g_autofree char *address = NULL;
  g_autofree char *slaves_dir = NULL;
  g_autoptr(GDir) slaves = NULL;
  const char *name;

  if (depth > 8)
    return;
  real = pt_paths_resolve_link (paths, block_link);
  if (real == NULL)
    real = g_strdup (block_link);
  address = pt_analysis_pci_ancestor (real);
  if (address != NULL)
    mark_holds (self, address, what);

  slaves_dir = g_build_filename (real, "slaves", NULL);
  slaves = g_dir_open (slaves_dir, 0, NULL);
  while (slaves != NULL && (name = g_dir_read_name (slaves)) != NULL)
    {
      g_autofree char *slave = pt_paths_build (paths, "sys", "class", "block", name, NULL);
      mark_block_dir (self, paths, slave, what, depth + 1);
    }
}

/* "/dev/nvme0n1p2", "/dev/mapper/vg-root", "UUID=…" → the block device's
 * entry in sys/class/block, or NULL. */
static char *
block_link_for_source (PtPaths    *paths,
                       const char *source)
{
  g_autofree char *name = NULL;

  if (g_str_has_prefix (source, "UUID=") || g_str_has_prefix (source, "LABEL=") ||
      g_str_has_prefix (source, "PARTUUID="))
    {
      const char *eq = strchr (source, '=');
      g_autofree char *kind = g_ascii_strdown (source, eq - source);
      g_autofree char *by = g_strconcat ("by-", kind, NULL);
      g_autofree char *link = pt_paths_build (paths, "dev", "disk", by, eq + 1, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);
      if (target == NULL)
        return NULL;
      name = g_path_get_basename (target);
    }
  else if (g_str_has_prefix (source, "/dev/mapper/"))
    {
      /* device-mapper names live in sys/block/dm-N/dm/name */
      g_autofree char *block_dir = pt_paths_build (paths, "sys", "block", NULL);
      g_autoptr(GDir) dir = g_dir_open (block_dir, 0, NULL);
      const char *dm;
      const char *wanted = source + strlen ("/dev/mapper/");

      while (dir != NULL && (dm = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *name_path = NULL;
          g_autofree char *dm_name = NULL;
          if (!g_str_has_prefix (dm, "dm-"))
            continue;
          name_path = g_build_filename (block_dir, dm, "dm", "name", NULL);
          if (pt_paths_read_line (paths, name_path, &dm_name) && g_str_equal (dm_name, wanted))
            {
              name = g_strdup (dm);
              break;
            }
        }
    }
  else if (g_str_has_prefix (source, "/dev/"))
    name = g_path_get_basename (source);

  if (name == NULL)
    return NULL;
  return pt_paths_build (paths, "sys", "class", "block", name, NULL);
}

static const char *
mount_role (const char *mount_point)
{
  if (g_str_equal (mount_point, "/"))
    return "root";
  if (g_str_equal (mount_point, "/boot"))
    return "boot";
  if (g_str_equal (mount_point, "/boot/efi") || g_str_equal (mount_point, "/efi"))
    return "efi";
  return "mounted";
}

/* The lines of a file below the root (takes PATH), or NULL when it cannot
 * be read: a missing proc file only means there is nothing to mark. */
static GStrv
read_lines (char *path)
{
  g_autofree char *owned = path;
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (owned, &contents, NULL, NULL))
    return NULL;
  return g_strsplit (contents, "\n", -1);
}

/* A ZFS dataset ("rpool/ROOT/pve-1") names its pool, not a block device:
 * remember which roles each pool plays, for scan_zfs_members(). */
static void
note_zfs_pool (GHashTable *pools,
               const char *dataset,
               const char *role)
{
  g_autofree char *pool = g_strndup (dataset, strcspn (dataset, "/@"));
  GPtrArray *roles = g_hash_table_lookup (pools, pool);

  if (*pool == '\0')
    return;
  if (roles == NULL)
    {
      roles = g_ptr_array_new ();
      g_hash_table_insert (pools, g_steal_pointer (&pool), roles);
    }
  if (!g_ptr_array_find_with_equal_func (roles, role, g_str_equal, NULL))
    g_ptr_array_add (roles, (gpointer) role);
}

static gboolean is_network_fs (const char *fstype);
static char *network_source_host (const char *source);
static void mark_network_mount (PtTopology *self, PtPaths *paths, const char *host);

static void
scan_mounts (PtTopology *self,
             PtPaths    *paths,
             GHashTable *zfs_pools)
{
  g_auto(GStrv) lines = read_lines (pt_paths_build (paths, "proc", "self", "mountinfo", NULL));

  if (lines == NULL)
    return;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);
      guint nf = g_strv_length (f);
      const char *source = NULL;
      const char *fstype = NULL;
      guint major = 0, minor = 0;
      g_autofree char *link = NULL;

      if (nf < 7 || sscanf (f[2], "%u:%u", &major, &minor) != 2)
        continue;
      for (guint j = 6; j + 2 < nf; j++)
        if (g_str_equal (f[j], "-"))
          {
            fstype = f[j + 1];
            source = f[j + 2];
            break;
          }
      if (fstype != NULL && g_str_equal (fstype, "zfs"))
        {
          note_zfs_pool (zfs_pools, source, mount_role (f[4]));
          continue;
        }
      /* NFS, CIFS, …: the NIC it is reached through carries it */
      if (is_network_fs (fstype) && source != NULL)
        {
          g_autofree char *host = network_source_host (source);
          mark_network_mount (self, paths, host);
          continue;
        }
      if (major != 0)
        {
          g_autofree char *devno = g_strdup_printf ("%u:%u", major, minor);
          link = pt_paths_build (paths, "sys", "dev", "block", devno, NULL);
          if (!g_file_test (link, G_FILE_TEST_EXISTS))
            g_clear_pointer (&link, g_free);
        }
      /* btrfs and friends report an anonymous 0:N; their source names the disk */
      if (link == NULL && source != NULL)
        link = block_link_for_source (paths, source);
      if (link != NULL)
        mark_block_dir (self, paths, link, mount_role (f[4]), 0);
    }
}

static void
scan_swaps (PtTopology *self,
            PtPaths    *paths)
{
  g_auto(GStrv) lines = read_lines (pt_paths_build (paths, "proc", "swaps", NULL));

  if (lines == NULL)
    return;
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (lines[i], " \t", 2);
      g_autofree char *link = NULL;

      if (f[0] == NULL || *f[0] == '\0')
        continue;
      link = block_link_for_source (paths, f[0]);
      if (link != NULL)
        mark_block_dir (self, paths, link, "swap", 0);
    }
}

static void
scan_fstab (PtTopology *self,
            PtPaths    *paths)
{
  g_auto(GStrv) lines = read_lines (pt_paths_build (paths, "etc", "fstab", NULL));

  if (lines == NULL)
    return;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_auto(GStrv) f = NULL;
      g_autofree char *link = NULL;

      if (*line == '\0' || *line == '#')
        continue;
      f = g_strsplit_set (line, " \t", 2);
      link = block_link_for_source (paths, f[0]);
      if (link != NULL)
        mark_block_dir (self, paths, link, "fstab", 0);
    }
}

/* Every physical volume below device-mapper or md is host storage even when
 * none of its volumes is mounted right now. */
static void
scan_stacked_volumes (PtTopology *self,
                      PtPaths    *paths)
{
  g_autofree char *block_dir = pt_paths_build (paths, "sys", "block", NULL);
  g_autoptr(GDir) dir = g_dir_open (block_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = NULL;
      g_autofree char *real = NULL;
      g_autofree char *slaves_dir = NULL;
      g_autoptr(GDir) slaves = NULL;
      const char *slave;

      if (!g_str_has_prefix (name, "dm-") && !g_str_has_prefix (name, "md"))
        continue;
      link = g_build_filename (block_dir, name, NULL);
      real = pt_paths_resolve_link (paths, link);
      slaves_dir = g_build_filename (real ? real : link, "slaves", NULL);
      slaves = g_dir_open (slaves_dir, 0, NULL);
      while (slaves != NULL && (slave = g_dir_read_name (slaves)) != NULL)
        {
          g_autofree char *slave_link = pt_paths_build (paths, "sys", "class", "block", slave, NULL);
          mark_block_dir (self, paths, slave_link, "volume", 0);
        }
    }
}

/* The NIC behind a route's interface.  A bridge (Proxmox's vmbr0), a bond or
 * a VLAN has no PCI device of its own: the kernel links it to the interfaces
 * below it as lower_NAME, and the route really leaves through those. */
static void
mark_route_interface (PtTopology *self,
                      PtPaths    *paths,
                      const char *ifname,
                      const char *holds,
                      int         depth)
{
  g_autofree char *link = pt_paths_build (paths, "sys", "class", "net", ifname, NULL);
  g_autofree char *real = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GDir) dir = NULL;
  PtDevice *dev;
  const char *name;

  if (depth > 4)
    return;
  real = pt_paths_resolve_link (paths, link);
  address = pt_analysis_pci_ancestor (real);
  dev = address ? g_hash_table_lookup (self->by_address, address) : NULL;
  if (dev != NULL)
    {
      /* @holds NULL: the NIC of a default route; else what it carries */
      if (holds == NULL)
        dev->default_route = TRUE;
      else
        pt_device_add_unique (dev->holds, holds);
      return;
    }
  dir = g_dir_open (real != NULL ? real : link, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "lower_") && name[6] != '\0')
      mark_route_interface (self, paths, name + 6, holds, depth + 1);
}

/* The fields of each route of proc/net/route (IPv4: Iface Destination
 * Gateway Flags RefCnt Use Metric Mask …) or proc/net/ipv6_route (IPv6:
 * destination, its prefix length, source, its length, next hop, metric,
 * refcnt, use, flags, interface), header and empty fields left out. */
static GPtrArray *
read_routes (PtPaths    *paths,
             const char *name)
{
  g_auto(GStrv) lines = read_lines (pt_paths_build (paths, "proc", "net", name, NULL));
  GPtrArray *routes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = g_str_equal (name, "route") ? 1 : 0; lines != NULL && lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (lines[i], " \t", -1);
      GStrvBuilder *b = g_strv_builder_new ();
      for (guint j = 0; f[j] != NULL; j++)
        if (*f[j] != '\0')
          g_strv_builder_add (b, f[j]);
      g_ptr_array_add (routes, g_strv_builder_end (b));
      g_strv_builder_unref (b);
    }
  return routes;
}

/* An IPv6 route that carries traffic: up (RTF_UP), not a reject route
 * (the kernel's "unreachable" default on lo), not on lo. */
static gboolean
ipv6_route_usable (GStrv r)
{
  guint64 flags;

  if (g_strv_length (r) < 10 || g_str_equal (r[9], "lo"))
    return FALSE;
  flags = g_ascii_strtoull (r[8], NULL, 16);
  return (flags & 0x1) != 0 && (flags & 0x200) == 0;
}

static void
scan_default_route (PtTopology *self,
                    PtPaths    *paths)
{
  g_autoptr(GPtrArray) v4 = read_routes (paths, "route");
  g_autoptr(GPtrArray) v6 = read_routes (paths, "ipv6_route");

  for (guint i = 0; i < v4->len; i++)
    {
      GStrv r = g_ptr_array_index (v4, i);
      if (g_strv_length (r) >= 2 && g_str_equal (r[1], "00000000"))
        mark_route_interface (self, paths, r[0], NULL, 0);
    }
  /* ::/0: the IPv6 default route, which on an IPv6-only host is the only
   * way out */
  for (guint i = 0; i < v6->len; i++)
    {
      GStrv r = g_ptr_array_index (v6, i);
      if (ipv6_route_usable (r) && g_str_equal (r[1], "00") &&
          g_str_equal (r[0], "00000000000000000000000000000000"))
        mark_route_interface (self, paths, r[9], NULL, 0);
    }
}

/* Network file systems, by the type mountinfo gives them. */
static gboolean
is_network_fs (const char *fstype)
{
  static const char *const types[] = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "9p", "afs", "glusterfs", "fuse.glusterfs",
    "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "lustre", "ocfs2", "gfs2", "fuse.s3fs",
    "fuse.rclone", NULL,
  };
  return fstype != NULL && g_strv_contains (types, fstype);
}

/* The server of a network mount's source: "nas:/export", "[fd00::2]:/x",
 * "//nas/share", "10.0.0.2:6789,10.0.0.3:6789:/" → "nas", "fd00::2", … */
static char *
network_source_host (const char *source)
{
  const char *p = source;
  const char *end;

  if (g_str_has_prefix (p, "//"))
    {
      p += 2;
      end = strchr (p, '/');
      return g_strndup (p, end ? (gsize) (end - p) : strlen (p));
    }
  if (p[0] == '[' && (end = strchr (p, ']')) != NULL)
    return g_strndup (p + 1, end - p - 1);
  if ((end = strchr (p, '@')) != NULL && strchr (p, ':') != NULL && end < strchr (p, ':'))
    p = end + 1;   /* sshfs user@host:path */
  end = strpbrk (p, ":,/");
  return end ? g_strndup (p, end - p) : NULL;
}

/* The interface a packet to @host leaves by: the longest prefix that
 * matches an IP address; a name (not resolved here: no DNS while scanning)
 * leaves by the default routes. */
static void
mark_network_mount (PtTopology *self,
                    PtPaths    *paths,
                    const char *host)
{
  g_autoptr(GPtrArray) v4 = read_routes (paths, "route");
  g_autoptr(GPtrArray) v6 = read_routes (paths, "ipv6_route");
  struct in_addr a4;
  struct in6_addr a6;
  const char *best = NULL;
  int best_len = -1;

  if (host != NULL && inet_pton (AF_INET, host, &a4) == 1)
    {
      for (guint i = 0; i < v4->len; i++)
        {
          GStrv r = g_ptr_array_index (v4, i);
          guint32 dest, mask;
          int len;
          if (g_strv_length (r) < 8)
            continue;
          /* printed from the kernel's network-order words as they lie */
          dest = (guint32) g_ascii_strtoull (r[1], NULL, 16);
          mask = (guint32) g_ascii_strtoull (r[7], NULL, 16);
          len = __builtin_popcount (mask);
          if ((a4.s_addr & mask) == dest && len > best_len)
            {
              best = r[0];
              best_len = len;
            }
        }
    }
  else if (host != NULL && inet_pton (AF_INET6, host, &a6) == 1)
    {
      for (guint i = 0; i < v6->len; i++)
        {
          GStrv r = g_ptr_array_index (v6, i);
          int len;
          gboolean match = TRUE;
          if (!ipv6_route_usable (r) || strlen (r[0]) != 32)
            continue;
          len = (int) g_ascii_strtoull (r[1], NULL, 16);
          for (int bit = 0; bit < len && match; bit++)
            {
              char hex[3] = { r[0][(bit / 8) * 2], r[0][(bit / 8) * 2 + 1], 0 };
              guint8 byte = (guint8) g_ascii_strtoull (hex, NULL, 16);
              guint8 m = 0x80 >> (bit % 8);
              match = (byte & m) == (a6.s6_addr[bit / 8] & m);
            }
          if (match && len > best_len)
            {
              best = r[9];
              best_len = len;
            }
        }
    }
  if (best != NULL)
    {
      mark_route_interface (self, paths, best, "network", 0);
      return;
    }
  for (guint i = 0; i < v4->len; i++)
    {
      GStrv r = g_ptr_array_index (v4, i);
      if (g_strv_length (r) >= 2 && g_str_equal (r[1], "00000000"))
        mark_route_interface (self, paths, r[0], "network", 0);
    }
  for (guint i = 0; i < v6->len; i++)
    {
      GStrv r = g_ptr_array_index (v6, i);
      if (ipv6_route_usable (r) && g_str_equal (r[1], "00"))
        mark_route_interface (self, paths, r[9], "network", 0);
    }
}

/* udev's database (readable without root) tags each member of a ZFS pool
 * with ID_FS_TYPE=zfs_member and the pool's name as ID_FS_LABEL.  Pools that
 * are imported but hold no mounted dataset (a Proxmox VM store) are listed
 * under proc/spl/kstat/zfs: their disks are host storage too. */
static void
scan_zfs_members (PtTopology *self,
                  PtPaths    *paths,
                  GHashTable *zfs_pools)
{
  g_autofree char *kstat_dir = pt_paths_build (paths, "proc", "spl", "kstat", "zfs", NULL);
  g_autofree char *class_dir = pt_paths_build (paths, "sys", "class", "block", NULL);
  g_autoptr(GDir) kstat = g_dir_open (kstat_dir, 0, NULL);
  g_autoptr(GDir) blocks = NULL;
  const char *name;

  while (kstat != NULL && (name = g_dir_read_name (kstat)) != NULL)
    {
      g_autofree char *path = g_build_filename (kstat_dir, name, NULL);
      /* a pool already known from a mount says more than "a ZFS pool" */
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_hash_table_contains (zfs_pools, name))
        note_zfs_pool (zfs_pools, name, "zfs");
    }
  if (g_hash_table_size (zfs_pools) == 0)
    return;

  blocks = g_dir_open (class_dir, 0, NULL);
  while (blocks != NULL && (name = g_dir_read_name (blocks)) != NULL)
    {
      g_autofree char *link = g_build_filename (class_dir, name, NULL);
      g_autofree char *dev_file = g_build_filename (link, "dev", NULL);
      g_autofree char *devno = NULL;
      g_autofree char *udev_name = NULL;
      g_autofree char *udev_path = NULL;
      g_autofree char *data = NULL;
      g_auto(GStrv) lines = NULL;
      gboolean member = FALSE;
      GPtrArray *roles = NULL;

      if (!g_file_get_contents (dev_file, &devno, NULL, NULL))
        continue;
      udev_name = g_strconcat ("b", g_strstrip (devno), NULL);
      udev_path = pt_paths_build (paths, "run", "udev", "data", udev_name, NULL);
      if (!g_file_get_contents (udev_path, &data, NULL, NULL))
        continue;
      lines = g_strsplit (data, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          if (g_str_equal (lines[i], "E:ID_FS_TYPE=zfs_member"))
            member = TRUE;
          else if (g_str_has_prefix (lines[i], "E:ID_FS_LABEL="))
            roles = g_hash_table_lookup (zfs_pools, lines[i] + strlen ("E:ID_FS_LABEL="));
        }
      if (!member || roles == NULL)
        continue;
      for (guint i = 0; i < roles->len; i++)
        mark_block_dir (self, paths, link, g_ptr_array_index (roles, i), 0);
    }
}

/* Is the input device behind capabilities/key a keyboard?  The file is the
 * key bitmap as hex words, the highest first; its last word holds the
 * lowest keys.  Like udev's input_id, a keyboard has every key from KEY_ESC
 * (1) to KEY_D (31): Escape, the digits and the letters Q to D.  A mouse,
 * a power button or a remote control lacks most of them. */
static gboolean
key_bitmap_is_keyboard (const char *bitmap)
{
  const char *last = strrchr (bitmap, ' ');
  guint64 low = g_ascii_strtoull (last != NULL ? last + 1 : bitmap, NULL, 16);

  return (low & 0xfffffffeu) == 0xfffffffeu;
}

/* The USB controller every keyboard hangs off: the host's only way to
 * type (at a console, at a LUKS prompt) goes with it.  A keyboard
 * elsewhere (PS/2 behind i8042, I2C on a laptop, another controller)
 * leaves the host one; keyboards made up in software (uinput, under
 * devices/virtual) are no keyboard a person types on. */
static void
scan_keyboards (PtTopology *self,
                PtPaths    *paths)
{
  g_autofree char *class_dir = pt_paths_build (paths, "sys", "class", "input", NULL);
  g_autoptr(GDir) dir = g_dir_open (class_dir, 0, NULL);
  g_autoptr(GHashTable) owners = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;
  GHashTableIter iter;
  gpointer owner;
  PtDevice *dev;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = NULL;
      g_autofree char *real = NULL;
      g_autofree char *key_path = NULL;
      g_autofree char *bitmap = NULL;
      g_autofree char *address = NULL;

      if (!g_str_has_prefix (name, "input"))
        continue;
      link = g_build_filename (class_dir, name, NULL);
      key_path = g_build_filename (link, "capabilities", "key", NULL);
      if (!g_file_get_contents (key_path, &bitmap, NULL, NULL) ||
          !key_bitmap_is_keyboard (g_strstrip (bitmap)))
        continue;
      real = pt_paths_resolve_link (paths, link);
      if (real != NULL && strstr (real, "/devices/virtual/") != NULL)
        continue;
      address = real != NULL ? pt_analysis_pci_ancestor (real) : NULL;
      /* "": a keyboard on no PCI device (PS/2, a platform device) */
      g_hash_table_add (owners, address != NULL ? g_steal_pointer (&address) : g_strdup (""));
    }
  if (g_hash_table_size (owners) != 1)
    return;
  g_hash_table_iter_init (&iter, owners);
  g_hash_table_iter_next (&iter, &owner, NULL);
  dev = g_hash_table_lookup (self->by_address, owner);
  if (dev != NULL && (dev->class_code >> 8) == 0x0c03)
    pt_device_add_unique (dev->holds, PT_HOLDS_KEYBOARD);
}

/* A driver built into the kernel is bound before any softdep or modprobe
 * option can act: such devices need the early driver_override path. */
static void
scan_builtin_drivers (PtTopology *self,
                      PtPaths    *paths)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GHashTable) builtin = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  if (self->kernel_release == NULL)
    return;
  path = pt_paths_build (paths, "lib", "modules", self->kernel_release, "modules.builtin", NULL);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return;
  builtin = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *base = g_path_get_basename (lines[i]);
      char *dot = strstr (base, ".ko");
      if (dot == NULL)
        continue;
      *dot = '\0';
      g_strdelimit (base, "-", '_');
      g_hash_table_add (builtin, g_steal_pointer (&base));
    }

  n = pt_topology_get_n_devices (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PtDevice) dev = g_list_model_get_item (G_LIST_MODEL (self->devices), i);
      g_autofree char *drv = NULL;
      if (dev->driver == NULL)
        continue;
      drv = g_strdelimit (g_strdup (dev->driver), "-", '_');
      dev->driver_builtin = g_hash_table_contains (builtin, drv);
    }
}

/**
 * pt_analysis_host_usage:
 *
 * What the running host needs: the controllers under mounted filesystems,
 * swap, stacked volumes and fstab entries, the NIC of the default route,
 * the USB controller with every keyboard,
 * ZFS pool members and drivers built into the kernel.
 */
void
pt_analysis_host_usage (PtTopology *self,
                        PtPaths    *paths)
{
  g_autoptr(GHashTable) zfs_pools = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_ptr_array_unref);

  scan_mounts (self, paths, zfs_pools);
  scan_zfs_members (self, paths, zfs_pools);
  scan_swaps (self, paths);
  scan_stacked_volumes (self, paths);
  scan_fstab (self, paths);
  scan_default_route (self, paths);
  scan_keyboards (self, paths);
  scan_builtin_drivers (self, paths);
}
