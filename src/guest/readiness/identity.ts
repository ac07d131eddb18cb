// The build machine's identity, read before the readiness preparation removes it: what a server
// made from the image must NOT share (the manifest's readiness.build_identity; `ingot rehearse`
// compares against it).
import { fingerprint } from '../seed/index.js';

export interface BuildIdentity {
  hostname: string;
  /** "SHA256:…" as `ssh-keygen -lf` prints them, sorted. */
  host_key_fingerprints: string[];
  /** sha256 (hex) of /etc/machine-id's bytes (the id and its newline). */
  machine_id_sha256: string;
}

export interface GuestFacts {
  os: { id: string; versionId: string; prettyName: string };
  identity: BuildIdentity;
}

/** Parses identity.sh's "key value" lines. */
export function parseIdentity(text: string): GuestFacts {
  let os = { id: 'unknown', versionId: 'unknown', prettyName: 'unknown' };
  let hostname = '';
  let machineId = '';
  const fingerprints: string[] = [];
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const key = line.slice(0, space);
    const value = line.slice(space + 1).trim();
    if (key === 'os') {
      const [id = 'unknown', versionId = 'unknown'] = value.split(' ');
      os = { ...os, id, versionId };
    } else if (key === 'pretty') os = { ...os, prettyName: value };
    else if (key === 'hostname') hostname = value;
    else if (key === 'machine-id-sha256') machineId = value;
    else if (key === 'host-key' && value !== '') fingerprints.push(fingerprint(value));
  }
  return { os, identity: { hostname, host_key_fingerprints: fingerprints.sort(), machine_id_sha256: machineId } };
}
