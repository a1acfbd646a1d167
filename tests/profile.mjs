#!/usr/bin/env node
// Profiles one lab in headless Chromium through the DevTools protocol: opens it from a share
// link, plays it at a speed, and for a few seconds records (1) the JavaScript/wasm CPU profile
// (Profiler domain), listing the functions with the most self time, and (2) the main thread's
// busy time by kind (Performance domain: scripts, style, layout, paint) per frame. A tool for
// finding where a lab's frames go before changing anything; not part of any test.
//   node tests/profile.mjs --dist dist --model caching --config '{"curve_requests":1000000}' [--speed max] [--seconds 5] [--top 25]
//   node tests/profile.mjs --dist dist --scenario my-scenario.json   (a whole scenario, e.g. with a client timeline)
import { launchBrowser, serveStatic } from './lib/harness.mjs';
import { labUrl } from './lib/share.mjs';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dist = opt('--dist', 'dist');
const model = opt('--model', 'caching');
const config = JSON.parse(opt('--config', '{}'));
const speed = opt('--speed', 'max');
const seconds = Number(opt('--seconds', '5'));
const top = Number(opt('--top', '25'));
const url = opt('--url', null);
// A whole scenario (JSON file), e.g. one with a client timeline, instead of --model/--config.
const scenarioFile = opt('--scenario', null);
// Panels to hide (a CSS selector), to see what each costs the browser.
const hide = opt('--hide', null);
const noProfile = args.includes('--no-profile');

const site = await serveStatic(dist);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const scenario = scenarioFile ? JSON.parse(readFileSync(scenarioFile, 'utf8')) : { model, seed: 1, config };
  await page.goto(url ? site.url + url : labUrl(site.url, scenario));
  await page.waitForSelector('[data-testid=lab], [data-testid=compare]', { timeout: 30_000 });
  if (hide) await page.addStyleTag({ content: `${hide} { display: none !important; }` });
  await page.selectOption('[data-testid=speed]', { label: speed });
  if ((await page.getAttribute('[data-testid=play]', 'aria-pressed')) !== 'true') await page.click('[data-testid=play]');
  await page.waitForTimeout(1500);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const m0 = await metrics();
  if (!noProfile) await cdp.send('Profiler.start');
  const stamps = await page.evaluate((ms) => new Promise((done) => {
    const ts = []; const t0 = performance.now();
    const tick = (t) => { ts.push(t); if (t - t0 < ms) requestAnimationFrame(tick); else done(ts); };
    requestAnimationFrame(tick);
  }), seconds * 1000);
  const { profile } = noProfile ? { profile: null } : await cdp.send('Profiler.stop');
  const m1 = await metrics();
  const d = stamps.slice(1).map((t, i) => t - stamps[i]).sort((a, b) => a - b);
  const frames = d.length;
  console.log(`${frames} frames, p50 ${d[Math.floor(frames / 2)].toFixed(1)} ms, p95 ${d[Math.floor(frames * 0.95)].toFixed(1)} ms, max ${d[frames - 1].toFixed(1)} ms`);
  for (const k of ['ThreadTime', 'TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration']) {
    console.log(`  ${k.padEnd(20)} ${(1000 * (m1[k] - m0[k]) / frames).toFixed(2)} ms per frame`);
  }
  if (!profile) process.exit(0);
  // Self time per function.
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  const total = dt.reduce((a, b) => a + b, 0);
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const name = `${f.functionName || '(anon)'} ${f.url ? f.url.split('/').pop() : ''}`.trim();
    self.set(name, (self.get(name) || 0) + (dt[i] || 0));
  });
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`self time over ${(total / 1000).toFixed(0)} ms sampled:`);
  for (const [name, us] of rows) console.log(`  ${(100 * us / total).toFixed(1).padStart(5)} %  ${(us / 1000 / frames).toFixed(3)} ms/frame  ${name}`);
} finally {
  await browser.close();
  await site.stop();
}
