// Builds share-link payloads the way core/src/share.rs does: "1." + base64url(raw deflate(JSON)).
// Lets tests and benches open a lab with a given config, seed and timeline straight from a URL.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export function encodeShare(scenario) {
  const json = Buffer.from(JSON.stringify(scenario), 'utf8');
  return '1.' + deflateRawSync(json, { level: 9 }).toString('base64url');
}

export function decodeShare(payload) {
  if (!payload.startsWith('1.')) throw new Error(`unknown share version in ${payload.slice(0, 10)}`);
  return JSON.parse(inflateRawSync(Buffer.from(payload.slice(2), 'base64url')).toString('utf8'));
}

/** The app URL (hash route) for a lab opened from a scenario. */
export function labUrl(base, scenario) {
  return `${base}#/lab/${scenario.model}?s=${encodeShare(scenario)}`;
}
