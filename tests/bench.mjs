#!/usr/bin/env node
// `make bench`, browser half: frame times while a lab animates in headless Chromium. Opens each
// lab from a share link (so the cluster size is fixed), picks a speed (top speed, or real time),
// presses play, lets it warm up, then records requestAnimationFrame timestamps.
//
// Reported per lab: p50 / p95 / max of the interval between frames (at 60 Hz a frame that
// finishes its work in time gives ~16.7 ms; one that overruns gives 33 ms or more), the share of
// frames over 20 ms, frames per second, and how far virtual time moved; the machine's load
// average (1 min) while it ran; and the main thread's busy time per frame (DevTools'
// Performance domain: scripts, style, layout, paint, all tasks), which a loaded machine
// disturbs less than the frame interval. Prints BENCH| lines for scripts/bench.sh. Never fails
// on slowness: figures, not tests.
//   node tests/bench.mjs [--dist dist] [--seconds 8] [--grep name]
import { join } from 'node:path';
import { launchBrowser, serveStatic, ARTIFACTS } from './lib/harness.mjs';
import { labUrl } from './lib/share.mjs';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const dist = opt('--dist', 'dist');
const seconds = Number(opt('--seconds', '8'));
const grep = opt('--grep', null); // only the cases whose name contains this text

// `speed` is the label in the speed menu: "max" runs as fast as the frame budget allows; "1×"
// is real time, where the run must also keep up (virtual time ≈ real time).
const CASES = [
  { name: 'raft, 9 servers', speed: 'max', scenario: { model: 'raft', seed: 1, config: { servers: 9 } } },
  // Multi-Paxos, 9 acceptors (5 of them proposers), a client request every 10 ms through a
  // rotating node for 30 s of virtual time: the slots and acceptors grids redraw every frame.
  { name: 'paxos, 9 nodes, 100 req/s', speed: 'max', scenario: { model: 'paxos', seed: 1, config: { acceptors: 9, proposers: 5 },
    timeline: Array.from({ length: 3000 }, (_, i) => ({ at: `${1000 + i * 10}ms`, do: 'request', node: i % 9, arg: `k${i % 16}=${i}` })) } },
  { name: 'balance, 100 servers, 10k req/s', speed: 'max', scenario: { model: 'balance', seed: 1, config: { servers: 100, rate: 10000 } } },
  { name: 'balance, 100 servers, 10k req/s, 1×', speed: '1×', scenario: { model: 'balance', seed: 1, config: { servers: 100, rate: 10000 } } },
  { name: 'sharding, 32 shards, 100k keys', speed: 'max', scenario: { model: 'sharding', seed: 1, config: { shards: 32, keys: 100000, replicas: 2, vnodes: 50, rate: 5000 } } },
  // Proof of work, real hashing at full rate: 4 miners asking for a million header hashes per
  // virtual second each, more than a browser can do, at top speed. The nonce search runs in
  // slices of 2,048 nonces, as many as fit in the pacer's budget; the page's hash rate is the
  // virtual time it covered times the hashes each virtual second needs.
  { name: 'pow, 4 miners hashing at full rate', speed: 'max', hashesPerVirtualSecond: 4e6,
    scenario: { model: 'pow', seed: 1, config: { miners: 4, miner_hs: 1e6 } } },
  // Caching: the service at 1× with its figures (cache lists, hit-ratio curves, the ring), and
  // the curves over a million requests (8 sizes x every policy), computed in slices while the
  // run plays.
  { name: 'caching, 3 caches, 600 req/s, 1×', speed: '1×', scenario: { model: 'caching', seed: 1, config: {} } },
  { name: 'caching, curves over 1M requests, 1×', speed: '1×', scenario: { model: 'caching', seed: 1, config: { curve_requests: 1000000 } } },
  { name: 'caching, 3 caches, 600 req/s, max', speed: 'max', scenario: { model: 'caching', seed: 1, config: {} } },
  // PBFT with f = 3 (n = 10 replicas) and three clients under steady load: the quorum grid
  // (20 columns) and the log grid redraw every frame.
  { name: 'pbft, n = 10, 3 clients', speed: 'max', scenario: { model: 'pbft', seed: 1, config: { f: 3, clients: 3, think_ms: 20 } } },
  // Compare mode: two such runs side by side (round robin against least connections).
  { name: 'compare, 2 × balance 100 servers, 1×', speed: '1×', ready: '[data-testid=compare]',
    url: (base) => `${base}#/compare/balance?set=servers=100&set=rate=10000&a=algorithm=round_robin&b=algorithm=least_connections` },
];

const cpus = (await import('node:os')).cpus().length;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))]; };

const site = await serveStatic(dist);
const browser = await launchBrowser();
mkdirSync(ARTIFACTS, { recursive: true });
let status = 0;
try {
  console.log(`chromium ${browser.version()}, ${seconds} s per lab after a 2 s warm-up`);
  console.log(`${'lab'.padEnd(38)} ${'frames'.padStart(7)} ${'fps'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'>20ms'.padStart(7)}  virtual time`);
  for (const c of CASES.filter((c) => !grep || c.name.includes(grep))) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(c.url ? c.url(site.url) : labUrl(site.url, c.scenario));
      await page.waitForSelector(c.ready || '[data-testid=lab]', { timeout: 30_000 });
      const notice = await page.$('[data-testid=notice]');
      if (notice) console.log(`  note: ${(await notice.textContent()).trim()}`);
      await page.selectOption('[data-testid=speed]', { label: c.speed });
      if ((await page.getAttribute('[data-testid=play]', 'aria-pressed')) !== 'true') await page.click('[data-testid=play]');
      await page.waitForTimeout(2000);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
      const m0 = await metrics();
      const load0 = loadavg()[0];
      const clockBefore = (await page.textContent('[data-testid=clock]')).trim();
      const stamps = await page.evaluate((ms) => new Promise((done) => {
        const ts = [];
        const t0 = performance.now();
        const tick = (t) => { ts.push(t); if (t - t0 < ms) requestAnimationFrame(tick); else done(ts); };
        requestAnimationFrame(tick);
      }), seconds * 1000);
      const m1 = await metrics();
      const load = (load0 + loadavg()[0]) / 2;
      const clockAfter = (await page.textContent('[data-testid=clock]')).trim();
      // What the page's frame pacer saw (web/src/pacing.rs): ms per frame spent simulating,
      // rendering (our JavaScript besides the simulation), and the budget it granted.
      const paced = await page.evaluate(() => Object.fromEntries(Object.keys(window)
        .filter((k) => k.startsWith('__distlab'))
        .map((k) => [k, window[k].slice()])));
      await page.screenshot({ path: join(ARTIFACTS, `bench-${c.scenario ? c.scenario.model : 'compare'}.png`) });
      const d = stamps.slice(1).map((t, i) => t - stamps[i]);
      const span = (stamps[stamps.length - 1] - stamps[0]) / 1000;
      const over = d.filter((x) => x > 20).length / d.length;
      const row = { frames: d.length, fps: d.length / span, p50: pct(d, 0.5), p95: pct(d, 0.95), max: Math.max(...d), over };
      console.log(`${c.name.padEnd(38)} ${String(row.frames).padStart(7)} ${row.fps.toFixed(1).padStart(6)} ${row.p50.toFixed(1).padStart(8)} ${row.p95.toFixed(1).padStart(8)} ${row.max.toFixed(1).padStart(8)} ${(100 * row.over).toFixed(1).padStart(6)}%  ${clockBefore} -> ${clockAfter}`);
      // Virtual seconds per real second over the window (at 1× it should be about 1).
      const vsec = (t) => { const m = t.match(/^([0-9.]+) (s|ms|µs)/); return m ? Number(m[1]) / { s: 1, ms: 1e3, 'µs': 1e6 }[m[2]] : NaN; };
      const pace = (vsec(clockAfter) - vsec(clockBefore)) / span;
      console.log(`BENCH|p95 frame time, ${c.name}|${row.p95.toFixed(1)}|ms|p50 ${row.p50.toFixed(1)}, max ${row.max.toFixed(1)}, ${row.fps.toFixed(0)} fps, ${(100 * row.over).toFixed(0)}% of frames > 20 ms, virtual time at ${pace.toFixed(2)}× real time, load ${load.toFixed(1)} on ${cpus} cores`);
      // Main-thread time per frame over the same window, from DevTools' Performance metrics:
      // CPU time of the page's main thread (ThreadTime: our script and the browser's style,
      // layout and paint), which a loaded machine disturbs far less than wall-clock figures;
      // and the wall time its tasks took (TaskDuration), with the script / style / layout parts.
      const per = (k) => (1000 * ((m1[k] || 0) - (m0[k] || 0))) / d.length;
      console.log(`BENCH|main-thread busy per frame, ${c.name}|${per('ThreadTime').toFixed(1)}|ms|CPU time of the main thread per frame; tasks took ${per('TaskDuration').toFixed(1)} ms wall (script ${per('ScriptDuration').toFixed(1)}, style ${per('RecalcStyleDuration').toFixed(1)}, layout ${per('LayoutDuration').toFixed(1)}); load ${load.toFixed(1)} on ${cpus} cores`);
      if (c.hashesPerVirtualSecond) {
        console.log(`BENCH|page header hashes/s, ${c.name}|${(pace * c.hashesPerVirtualSecond).toFixed(0)}|H/s|double SHA-256 in the page's frame budget, real wall time, while every frame is measured`);
      }
      // Simulation speed inside the page: events over the time the frames spent simulating.
      const events = (t) => Number((t.match(/([0-9]+) events/) || [0, 0])[1]);
      const simMs = (paced.__distlabSimMs || []).slice(-d.length).reduce((a, b) => a + b, 0);
      const simRate = simMs > 0 ? (events(clockAfter) - events(clockBefore)) / simMs : 0;
      const med = (xs) => (xs.length ? pct(xs, 0.5).toFixed(1) : 'n/a');
      const p95 = (xs) => (xs.length ? pct(xs, 0.95).toFixed(1) : 'n/a');
      console.log(`  per frame (ms, p50/p95): simulation ${med(paced.__distlabSimMs || [])}/${p95(paced.__distlabSimMs || [])}, rendering ${med(paced.__distlabRenderMs || [])}/${p95(paced.__distlabRenderMs || [])}, budget ${med(paced.__distlabBudgetMs || [])}/${p95(paced.__distlabBudgetMs || [])}; simulating at ${simRate.toFixed(0)}k events/s`);
      // A frame that also refreshes a heavy panel renders more; what each costs (p50 ms).
      const refresh = Object.entries(paced).filter(([k]) => k.startsWith('__distlabRefresh_'));
      if (refresh.length) console.log(`  rendering on panel refresh frames (p50 ms): ${refresh.map(([k, v]) => `${k.slice(17)} ${med(v)}`).join(', ')}`);
      if (errors.length) console.log(`  page errors: ${errors.join(' | ')}`);
    } catch (e) {
      console.log(`${c.name}: could not measure: ${e.message.split('\n')[0]}`);
      console.log(`BENCH|p95 frame time, ${c.name}|n/a||${e.message.split('\n')[0]}`);
      status = 0;
    } finally {
      await page.close();
    }
  }
  if (!grep || 'checker'.includes(grep)) await checkerInWorker();
} finally {
  await browser.close();
  await site.stop();
}

/** The model checker in its Web Worker, as a learner runs it from the raft lab's panel: 3 servers,
 * breadth-first, depth 40, 200 k states (the native bench's search, core/benches/kernel.rs). The
 * rate is the page's own (states over the worker's search time). The first search in a fresh
 * worker also pays for growing its memory; the next two run in memory the first one freed. */
async function checkerInWorker() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(labUrl(site.url, { model: 'raft', seed: 1, config: { servers: 3 } }));
    await page.waitForSelector('[data-testid=lab]', { timeout: 30_000 });
    await page.click('[data-testid=checker-details] summary');
    await page.fill('[data-testid=checker-depth-input]', '40');
    await page.press('[data-testid=checker-depth-input]', 'Tab');
    await page.fill('[data-testid=checker-states]', '200000');
    await page.press('[data-testid=checker-states]', 'Tab');
    const rates = [];
    let heapPerState = NaN;
    for (let run = 0; run < 3; run++) {
      await page.click('[data-testid=checker-start]');
      await page.waitForFunction(() => {
        const s = document.querySelector('[data-testid=checker-status]')?.getAttribute('data-status');
        return s === 'bounded' || s === 'exhausted' || s === 'violation';
      }, null, { timeout: 120_000, polling: 100 });
      const explored = Number(await page.getAttribute('[data-testid=checker-explored]', 'data-value'));
      if (run === 0) {
        const distinct = Number(await page.getAttribute('[data-testid=checker-distinct]', 'data-value'));
        heapPerState = Number(await page.getAttribute('[data-testid=checker-memory]', 'data-value')) / distinct;
      }
      const rate = (await page.textContent('[data-testid=checker-rate]')).trim();
      const m = rate.match(/^([0-9.]+) ?(k|M)?$/);
      rates.push(m ? Number(m[1]) * ({ k: 1e3, M: 1e6 }[m[2]] || 1) : NaN);
      console.log(`checker in the worker, search ${run + 1}: ${explored} states at ${rate} states/s`);
    }
    const warm = Math.max(rates[1], rates[2]);
    const load = loadavg()[0];
    console.log(`BENCH|wasm checker states/s (raft-3 BFS, in the worker)|${warm.toFixed(0)}|states/s|target >= 40% of native; best of the 2nd and 3rd 200 k-state search in the page's worker (the 1st, growing the worker's memory: ${rates[0].toFixed(0)}); load ${load.toFixed(1)} on ${cpus} cores`);
    console.log(`BENCH|wasm checker states/s (raft-3 BFS, first search in a fresh worker)|${rates[0].toFixed(0)}|states/s|includes growing the worker's memory to hold the search; load ${load.toFixed(1)} on ${cpus} cores`);
    console.log(`BENCH|checker heap bytes per distinct state (raft-3, wasm worker)|${heapPerState.toFixed(0)}|B|the worker's heap in use at the end of its first search / distinct states; worlds waiting in the frontier included`);
  } catch (e) {
    console.log(`checker in the worker: could not measure: ${e.message.split('\n')[0]}`);
    console.log(`BENCH|wasm checker states/s (raft-3 BFS, in the worker)|n/a||${e.message.split('\n')[0]}`);
  } finally {
    await page.close();
  }
}
process.exit(status);
