// The model checker panel: the worker is fetched only when a search starts; the search shows
// progress, can be cancelled and resumed, and keeps the page at 60 fps; on a mutated protocol
// it finds a violation, shrinks it, opens it in the lab at the violation, exports it and
// shares it as a link that reopens the violation.
import { deflateSync } from 'node:zlib';
import { open, until, assert, sleep, isPlaying, play, nodeMenu } from '../lib/app.mjs';

/** A share-link payload for a scenario (the format of core/src/share.rs: "2." + zlib, base64url). */
function payload(scenario) {
  return '2.' + deflateSync(Buffer.from(JSON.stringify(scenario))).toString('base64url');
}

/** Records the URLs the page (and its workers) request. */
function watchRequests(page) {
  const urls = [];
  page.context().on('request', (r) => urls.push(r.url()));
  return urls;
}

async function status(page) {
  return page.getAttribute('[data-testid=checker-status]', 'data-status');
}

async function explored(page) {
  return Number(await page.getAttribute('[data-testid=checker-explored]', 'data-value'));
}

/** Frame intervals (ms) over `ms` of real time, measured in the page. */
function frames(page, ms) {
  return page.evaluate((ms) => new Promise((done) => {
    const out = [];
    let last = performance.now();
    const t0 = last;
    const tick = (t) => {
      out.push(t - last);
      last = t;
      if (t - t0 < ms) requestAnimationFrame(tick); else done(out.slice(1));
    };
    requestAnimationFrame(tick);
  }), ms);
}

export const tests = [
  {
    name: 'search a correct protocol: progress, goals, cancel and resume, 60 fps',
    fn: async ({ page, base, shot }) => {
      const urls = watchRequests(page);
      const fetched = () => urls.some((u) => u.includes('checker-worker'));
      await open(page, base, '#/lab/raft?s=' + payload({ model: 'raft', seed: 1, config: { servers: 3 } }));
      await sleep(500);
      assert(!fetched(), 'the checker is not loaded with the page');
      await page.click('[data-testid=checker-details] summary');
      // A bound the search cannot reach before the test pauses it, two seconds in (the worker
      // does some 300-600 k states/s, and stops at its memory bound after about 2.8 M).
      await page.fill('[data-testid=checker-states]', '100000000');
      await page.press('[data-testid=checker-states]', 'Tab');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'running' && (await explored(page)) > 1000, 'the search runs', { timeoutMs: 30_000 });
      assert(fetched(), `the checker worker is fetched on first use (${urls.filter((u) => u.includes('checker')).length} requests)`);
      const dt = (await frames(page, 2000)).sort((a, b) => a - b);
      const median = dt[Math.floor(dt.length / 2)];
      const p95 = dt[Math.floor(dt.length * 0.95)];
      console.log(`BENCH|checker|frame_ms_median=${median.toFixed(1)}|frame_ms_p95=${p95.toFixed(1)}|frames=${dt.length}`);
      assert(median < 20, `the page keeps its frame rate while searching (median frame ${median.toFixed(1)} ms)`);

      await page.click('[data-testid=checker-pause]');
      await until(async () => (await status(page)) === 'paused', 'cancelled');
      await until(async () => (await page.locator('[data-testid=checker-goals] li[data-reached=true]').count()) >= 1, 'a goal is reached', { timeoutMs: 5_000 });
      await shot('checker-running');
      const held = await explored(page);
      await sleep(600);
      assert((await explored(page)) === held, 'a cancelled search does not move');
      const rate = await page.textContent('[data-testid=checker-rate]');
      console.log(`BENCH|checker|wasm_worker_states_per_s=${rate.trim()}|raft3_bfs`);
      await page.click('[data-testid=checker-resume]');
      await until(async () => (await explored(page)) > held, 'resumed from where it stopped', { timeoutMs: 20_000 });
      await page.click('[data-testid=checker-pause]');
      await until(async () => (await status(page)) === 'paused', 'cancelled again');
      assert(await page.locator('[data-testid=checker-violation]').count() === 0, 'no violation in the correct protocol');
    },
  },
  {
    name: 'find the bug: a mutated protocol gives a shrunk counterexample that opens, exports and shares',
    fn: async ({ page, base, shot }) => {
      const scenario = { model: 'raft', seed: 1, config: { servers: 3, vote_without_log_check: true } };
      await open(page, base, '#/lab/raft?s=' + payload(scenario));
      await page.click('[data-testid=checker-details] summary');
      await page.selectOption('[data-testid=checker-strategy]', 'random');
      await page.fill('[data-testid=checker-depth-input]', '30');
      await page.press('[data-testid=checker-depth-input]', 'Tab');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'violation', 'a violation is found', { timeoutMs: 60_000 });
      await page.waitForSelector('[data-testid=checker-violation]');
      const steps = await page.locator('[data-testid=checker-steps] li').count();
      assert(steps >= 3 && steps <= 30, `a short, shrunk schedule (${steps} steps)`);
      await shot('checker-violation');

      // Export as a scenario file.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=checker-export]')]);
      const path = await download.path();
      const { readFileSync } = await import('node:fs');
      const file = JSON.parse(readFileSync(path, 'utf8'));
      assert(file.timeline[0].do === 'manual' && file.timeline.some((s) => s.do === 'deliver'), 'the export is a scenario of explicit deliveries');
      assert(file.expect?.[0]?.violation, 'the export expects the violation');

      // Open it in the lab: the run stands at the violation, highlighted.
      await page.click('[data-testid=checker-open]');
      await page.waitForSelector('.violation-bar', { timeout: 20_000 });
      assert(await page.locator('[data-testid=cluster] .violated').count() >= 1, 'the offending node is highlighted');
      await shot('checker-opened');

      // Share link: opened in a fresh page, it shows the violation again.
      await page.click('[data-testid=checker-share]');
      const url = await page.inputValue('[data-testid=checker-link]');
      assert(url.includes('#/lab/raft?s=2.'), `a share link (${url.slice(0, 60)}…)`);
      const other = await page.context().newPage();
      await other.goto(url);
      await other.waitForSelector('.violation-bar', { timeout: 30_000 });
      await other.close();
    },
  },
  {
    name: 'find-the-bug exercise: control clean at 60 fps, the mutation found, the counterexample highlighted',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/challenge/raft/raft-vote-blind');
      await page.waitForSelector('[data-testid=exercise-compare]');
      assert(await page.locator('[data-testid=exercise-hand-open]').count() === 1, 'the hand half is still open');
      assert(await page.locator('[data-testid=checker-details]').count() === 0, 'the exercise replaces the free-form checker');

      // The control first: the protocol as published, the same search, nothing found. The
      // page's frame time is measured while it searches.
      await page.check('[data-testid=checker-control]');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'running', 'the control search runs', { timeoutMs: 30_000 });
      const dt = (await frames(page, 1500)).sort((a, b) => a - b);
      const median = dt[Math.floor(dt.length / 2)];
      const p95 = dt[Math.floor(dt.length * 0.95)];
      console.log(`BENCH|checker|exercise_frame_ms_median=${median.toFixed(1)}|exercise_frame_ms_p95=${p95.toFixed(1)}|frames=${dt.length}`);
      assert(median < 20, `60 fps while the checker searches (median frame ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms)`);
      await until(async () => ['bounded', 'exhausted'].includes(await status(page)), 'the control ends within its bound', { timeoutMs: 90_000 });
      await page.waitForSelector('[data-testid=exercise-control-clean]');
      await shot('exercise-control');

      // The mutation: found, shrunk, shown next to the (still open) hand half.
      await page.uncheck('[data-testid=checker-control]');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'violation', 'the checker finds the bug', { timeoutMs: 60_000 });
      await page.waitForSelector('[data-testid=exercise-checker-done]');
      // The sidebar scrolls on its own (its height is the window's): a tall window shows it all.
      const size = page.viewportSize();
      await page.setViewportSize({ width: size.width, height: 2400 });
      await shot('exercise-found');
      await page.setViewportSize(size);

      // Opened in the lab at the violation: the violation bar, the offending nodes in the
      // cluster, and in the space-time diagram the schedule's messages and the violation mark.
      await page.click('[data-testid=checker-open]');
      await page.waitForSelector('.violation-bar', { timeout: 20_000 });
      await page.waitForSelector('[data-testid=st-violation]', { timeout: 10_000 });
      const nodes = await page.getAttribute('[data-testid=st-violation]', 'data-nodes');
      assert(nodes && nodes.length > 0, `the violation names nodes in the diagram (${nodes})`);
      assert(await page.locator('[data-testid=spacetime] .arrow.schedule').count() >= 1, 'the schedule\'s messages are marked');
      assert(await page.locator('[data-testid=cluster] .violated').count() >= 1, 'the offending node is highlighted');
      assert(await page.locator('[data-testid=exercise-checker-done]').count() === 1, 'the checker half stays shown');
      await page.setViewportSize({ width: size.width, height: 2400 });
      await shot('exercise-opened');
      await page.setViewportSize(size);
    },
  },
  {
    name: 'find-the-bug exercise (caching, no eviction): opens paused, broken by hand, found by the checker, highlighted',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/challenge/caching/caching-no-evict-bug');
      await page.waitForSelector('[data-testid=exercise-compare]');
      // An exercise opens paused, like a share link: the learner acts step by step.
      await sleep(300);
      assert(!(await isPlaying(page)), 'the exercise opens paused');
      assert(await page.locator('[data-testid=exercise-hand-open]').count() === 1, 'the hand half is open');
      // The checker panel fits the page at 1280×800 and in a narrow window: nothing clipped.
      const clipped = () => page.evaluate(() => {
        const panel = document.querySelector('.exercise-checker');
        if (!panel) return 'no panel';
        const r = panel.getBoundingClientRect();
        const start = document.querySelector('[data-testid=checker-start]').getBoundingClientRect();
        if (r.width < 200) return `panel ${r.width.toFixed(0)} px wide`;
        if (r.right > document.documentElement.clientWidth + 1) return `panel ends at ${r.right.toFixed(0)} px`;
        if (start.right > r.right + 1 || start.width === 0) return 'the start button is cut off';
        if (panel.scrollWidth > panel.clientWidth + 1) return `panel content ${panel.scrollWidth} px in ${panel.clientWidth} px`;
        const side = panel.closest('.sidebar');
        if (side && side.scrollHeight > side.clientHeight + 1) return `the sidebar cuts it off (${side.scrollHeight} px of content in ${side.clientHeight} px)`;
        return null;
      });
      for (const [w, h] of [[1280, 800], [560, 900]]) {
        await page.setViewportSize({ width: w, height: h });
        await sleep(200);
        await shot(`exercise-caching-${w}`);
        const why = await clipped();
        assert(why === null, `the checker panel is not clipped at ${w}×${h}: ${why}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });

      // By hand: the client reads three keys into a cache with room for two.
      for (const label of ['Read key 0 (the hottest)', 'Read key 1', 'Read key 2']) {
        const menu = await nodeMenu(page, 0);
        await menu.locator('[data-testid=command]', { hasText: label }).click();
      }
      await play(page);
      await page.waitForSelector('[data-testid=exercise-hand-done]', { timeout: 20_000 });

      // The checker: the mutation found within its bound.
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'violation', 'the checker finds the bug', { timeoutMs: 40_000 });
      await page.waitForSelector('[data-testid=exercise-checker-done]');
      await shot('exercise-caching-found');

      // Opened in the lab at the violation: the bar, the offending cache, the diagram's mark.
      await page.click('[data-testid=checker-open]');
      await page.waitForSelector('.violation-bar', { timeout: 20_000 });
      await page.waitForSelector('[data-testid=st-violation]', { timeout: 10_000 });
      assert(await page.locator('[data-testid=cluster] .violated').count() >= 1, 'the offending cache is highlighted');
      assert(await page.locator('[data-testid=exercise-hand-done]').count() === 1, 'the hand half stays shown');
      await shot('exercise-caching-opened');
    },
  },
  {
    name: 'a search that outgrows the worker\'s memory stops cleanly and can start over',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft?s=' + payload({ model: 'raft', seed: 1, config: { servers: 3 } }));
      await page.click('[data-testid=checker-details] summary');
      await page.fill('[data-testid=checker-states]', '100000000');
      await page.press('[data-testid=checker-states]', 'Tab');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'memory', 'the search stops at the memory bound', { timeoutMs: 120_000 });
      const memory = Number(await page.getAttribute('[data-testid=checker-memory]', 'data-value'));
      const size = Number(await page.getAttribute('[data-testid=checker-memory]', 'data-size'));
      assert(memory >= 2 ** 31 && memory < 2.5e9 && size >= memory, `stopped just past the 2 GB bound (heap ${(memory / 1e9).toFixed(2)} GB, memory ${(size / 1e9).toFixed(2)} GB)`);
      const said = await page.textContent('[data-testid=checker-status]');
      assert(/memory bound \(2\.00 GB\)/.test(said) && said.includes('distlab explore'), `the page says why and what to do: ${said}`);
      assert(await page.locator('[data-testid=checker-resume]').count() === 0, 'nothing to resume');
      await shot('checker-memory');
      // The worker is still there, its memory reused: a smaller search runs to its bound.
      await page.fill('[data-testid=checker-states]', '20000');
      await page.press('[data-testid=checker-states]', 'Tab');
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'bounded', 'a smaller search runs to its bound', { timeoutMs: 30_000 });
      const after = Number(await page.getAttribute('[data-testid=checker-memory]', 'data-value'));
      assert(after > 0 && after < 2e8, `the first search's heap was freed (${(after / 1e6).toFixed(0)} MB in use)`);
      assert(Number(await page.getAttribute('[data-testid=checker-memory]', 'data-size')) === size, 'the next search reuses the memory instead of growing it');
    },
  },
  {
    name: 'a checker worker that fails to load says so, and the next start loads a fresh one',
    fn: async ({ page, base }) => {
      const ctx = page.context();
      const block = (route) => route.abort();
      await ctx.route('**/checker-worker_bg.wasm*', block);
      await open(page, base, '#/lab/raft?s=' + payload({ model: 'raft', seed: 1, config: { servers: 3 } }));
      await page.click('[data-testid=checker-details] summary');
      await page.fill('[data-testid=checker-states]', '20000');
      await page.press('[data-testid=checker-states]', 'Tab');
      await page.click('[data-testid=checker-start]');
      await page.waitForSelector('[data-testid=checker-error]', { timeout: 30_000 });
      const said = await page.textContent('[data-testid=checker-error]');
      assert(said.includes('stopped unexpectedly') && said.includes('Start over'), `the failure is shown: ${said}`);
      assert(await page.isEnabled('[data-testid=checker-start]'), 'the search can be started again');
      await ctx.unroute('**/checker-worker_bg.wasm*', block);
      await page.click('[data-testid=checker-start]');
      await until(async () => (await status(page)) === 'bounded', 'a fresh worker searches to the bound', { timeoutMs: 30_000 });
      assert(await page.locator('[data-testid=checker-error]').count() === 0, 'the error is gone');
    },
  },
];
