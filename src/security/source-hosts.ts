import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors/app-error.js';

export class SourceNotAllowed extends AppError {
  constructor(reason: string) {
    super('source_not_allowed', `the camera host is not allowed: ${reason} (ALLOWED_SOURCE_HOSTS)`);
  }
}

export type Lookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true });

/**
 * ALLOWED_SOURCE_HOSTS: hostnames, addresses and CIDRs. A URL passes when its
 * hostname is listed by name, or when every address it resolves to lies in a
 * listed address or network. Returns the URL FFmpeg should open: for plain RTSP
 * the checked address replaces the name, so that DNS cannot answer differently
 * when FFmpeg asks again (DNS rebinding). rtsps keeps the name, which TLS needs.
 */
export function createSourceHostGuard(entries: readonly string[], lookup: Lookup = systemLookup) {
  const networks = new BlockList();
  const names = new Set<string>();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family && prefix !== undefined) networks.addSubnet(address!, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
    else if (family) networks.addAddress(address!, family === 6 ? 'ipv6' : 'ipv4');
    else names.add(entry.toLowerCase());
  }

  return async (link: string): Promise<string> => {
    if (entries.length === 0) return link;
    const url = new URL(link);
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (names.has(hostname)) return link;
    const literal = isIP(hostname);
    const addresses = literal
      ? [{ address: hostname, family: literal }]
      : await lookup(hostname).catch(() => {
          throw new SourceNotAllowed('its name does not resolve, so it cannot be checked');
        });
    const inside = (a: { address: string; family: number }) => networks.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4');
    if (addresses.length === 0 || !addresses.every(inside)) throw new SourceNotAllowed('it is outside the allowed networks');
    if (literal || url.protocol !== 'rtsp:') return link;
    const [first] = addresses;
    url.hostname = first!.family === 6 ? `[${first!.address}]` : first!.address;
    return url.href;
  };
}

export type SourceHostGuard = ReturnType<typeof createSourceHostGuard>;
