"""Reads a seed directory with cloud-init's own datasource code and prints what it found as JSON.

Usage: read-seed.py nocloud|configdrive SEED_DIR MAC=NAME...
SEED_DIR holds the seed's files as extracted from the ISO (osirrox). The datasource is the one
cloud-init runs at boot (DataSourceNoCloud / DataSourceConfigDrive), pointed at SEED_DIR through
its seed directory so it needs no block device; MAC=NAME pairs stand in for the guest's NICs.
"""
import json
import os
import sys
import tempfile

from cloudinit import helpers, settings
from cloudinit.distros import fetch
from cloudinit.sources import DataSourceConfigDrive, DataSourceNoCloud

kind, seed, *pairs = sys.argv[1:]
known_macs = dict(p.split("=", 1) for p in pairs)
cloud_dir = tempfile.mkdtemp()
paths = helpers.Paths({"cloud_dir": cloud_dir, "run_dir": os.path.join(cloud_dir, "run")})
distro = fetch("debian")("debian", {}, paths)
# fs_label None: no blkid scan for a labelled device; the seed directory is the source.
sys_cfg = {"datasource": {"NoCloud": {"fs_label": None}}}
target = os.path.join(paths.seed_dir, "nocloud" if kind == "nocloud" else "config_drive")
os.makedirs(os.path.dirname(target), exist_ok=True)
os.symlink(os.path.abspath(seed), target)
if kind == "nocloud":
    ds = DataSourceNoCloud.DataSourceNoCloud(sys_cfg, distro, paths)
else:
    ds = DataSourceConfigDrive.DataSourceConfigDrive(sys_cfg, distro, paths)
    ds.known_macs = known_macs
found = ds.get_data()
out = {"found": found}
if found:
    net = ds.network_config
    out.update(
        {
            "dsname": ds.dsname,
            "instance_id": ds.get_instance_id(),
            "hostname": ds.get_hostname().hostname,
            "public_keys": ds.get_public_ssh_keys(),
            "userdata_raw": ds.get_userdata_raw().decode() if isinstance(ds.get_userdata_raw(), bytes) else ds.get_userdata_raw(),
            "network_config": net,
            "version": getattr(ds, "version", None),
            "metadata_keys": sorted(ds.metadata.keys()),
        }
    )
print(json.dumps(out, default=str))
