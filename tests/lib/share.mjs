// Builds share-link payloads the way core/src/share.rs does: "2." + base64url(zlib(JSON)), where
// zlib is deflate plus an Adler-32 checksum. Reads the older "1." (raw deflate) links too.
// Lets tests and benches open a lab with a given config, seed and timeline straight from a URL.
import { deflateSync, inflateSync, inflateRawSync } from 'node:zlib';

export function encodeShare(scenario) {
  const json = Buffer.from(JSON.stringify(scenario), 'utf8');
  return '2.' + deflateSync(json, { level: 9 }).toString('base64url');
}

export function decodeShare(payload) {
  const bytes = Buffer.from(payload.slice(2), 'base64url');
  if (payload.startsWith('2.')) return JSON.parse(inflateSync(bytes).toString('utf8'));
  if (payload.startsWith('1.')) return JSON.parse(inflateRawSync(bytes).toString('utf8'));
  throw new Error(`unknown share version in ${payload.slice(0, 10)}`);
}

/** The app URL (hash route) for a lab opened from a scenario. */
export function labUrl(base, scenario) {
  return `${base}#/lab/${scenario.model}?s=${encodeShare(scenario)}`;
}
