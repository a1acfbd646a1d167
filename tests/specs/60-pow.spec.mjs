// The proof-of-work lab: miners hash real headers; a partition forks the chain, healing
// reorganises the weaker side onto the chain with more work; tampering with a block breaks its
// proof of work and the next link, and re-mining repairs the block (but not the chain).
import { open, nodes, nodeMenu, play, pause, speed, command, clock, until, assert, sleep } from '../lib/app.mjs';
import { labUrl } from '../lib/share.mjs';

const height = (n) => Number((n.headline.match(/#(\d+)/) || [])[1]);
const tipOf = (page, id) => page.$eval(`[data-testid=cells-${id}]`, (el) => [...el.querySelectorAll('.cell')].map((c) => c.textContent).pop() || '');

export const tests = [
  {
    name: 'mine, fork by partition, heal, reorg',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/pow');
      await speed(page, '10×');
      await play(page);
      await until(async () => (await nodes(page)).every((n) => height(n) >= 2), 'every miner has two blocks', { timeoutMs: 30_000 });
      const tree = page.locator('[data-testid=figure-blocks]');
      await until(async () => (await tree.locator('svg .tn.best').count()) >= 3, 'the block tree draws the best chain');
      await shot('pow-mining');

      // Split the network in two halves and give one half more power.
      await pause(page);
      const ids = (await nodes(page)).map((n) => n.id);
      const start = Math.max(...(await nodes(page)).map(height));
      for (const id of ids) await page.selectOption(`[data-testid=group-${id}]`, id < 2 ? '0' : '1');
      await page.click('[data-testid=partition-apply]');
      await command(page, 0, 'power');
      await play(page);
      await until(async () => {
        const ns = await nodes(page);
        return ns.every((n) => height(n) >= start + 1) && (await tipOf(page, 0)) !== (await tipOf(page, 2));
      }, 'both halves extend their own chains', { timeoutMs: 60_000 });
      await sleep(1500);
      await pause(page);
      await shot('pow-partitioned');

      // Heal: the side with less work reorganises onto the other chain.
      await page.click('[data-testid=heal]');
      await play(page);
      await until(async () => {
        const tips = await Promise.all(ids.map((id) => tipOf(page, id)));
        return tips.every((t) => t === tips[0]);
      }, 'all miners follow one tip again', { timeoutMs: 60_000 });
      await pause(page);
      const stale = await tree.locator('svg .tn.faded').count();
      assert(stale >= 1, `the losing branch is drawn as stale (${stale})`);
      const log = await page.textContent('[data-testid=event-log]').catch(() => '');
      assert(/reorganises/.test(log) || stale >= 1, 'a reorganisation happened');
      await shot('pow-healed-reorg');
    },
  },
  {
    name: 'tamper with a block, see the chain break, re-mine',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/pow');
      await speed(page, '10×');
      await play(page);
      await until(async () => height((await nodes(page)).find((n) => n.id === 1)) >= 3, 'M1 has three blocks', { timeoutMs: 30_000 });
      await pause(page);
      await command(page, 1, 'tamper');
      const fig = page.locator('[data-testid=figure-tamper]');
      await fig.waitFor({ state: 'visible' });
      const broken = await fig.locator('svg .tn.marked').count();
      assert(broken >= 1, `the edited block is drawn broken (${broken})`);
      assert(/hash misses target/.test(await fig.textContent()), 'the picture says the hash misses the target');
      await shot('pow-tampered');
      await command(page, 1, 'remine');
      await play(page);
      await until(async () => (await fig.locator('svg .tn.marked').count()) < broken, 'the re-mined block is valid again', { timeoutMs: 60_000 });
      await pause(page);
      await shot('pow-remined');
    },
  },
  {
    name: 'mining at full rate: the page keeps going and shows the measured hash rate',
    fn: async ({ page, base, shot }) => {
      // Four miners asking for a million hashes per virtual second each: more than the page can
      // do, so at top speed hashing takes the whole frame budget and virtual time slows down.
      await page.goto(labUrl(base, { model: 'pow', seed: 1, config: { miners: 4, miner_hs: 1e6 } }));
      await page.waitForSelector('[data-testid=lab]', { timeout: 30_000 });
      await speed(page, 'max');
      await play(page);
      const before = (await clock(page)).events;
      await sleep(2500);
      // Frames keep coming while mining (the clock text is redrawn every frame).
      const stamps = await page.evaluate(() => new Promise((done) => {
        const ts = [];
        const tick = (t) => { ts.push(t); if (ts.length < 30) requestAnimationFrame(tick); else done(ts); };
        requestAnimationFrame(tick);
      }));
      assert(stamps.length === 30, 'animation frames keep coming while mining');
      await pause(page);
      const after = (await clock(page)).events;
      assert(after > before, `hashing slices ran (${before} -> ${after} events)`);
      const menu = await nodeMenu(page, 0);
      const details = await menu.textContent();
      assert(/hash rate1\.0 MH\/s/.test(details), `the configured rate: ${details}`);
      const m = details.match(/hash rate measured([0-9.]+) (k|M)?H\/s/);
      assert(m, `the measured rate is shown: ${details}`);
      assert(/hashes computed[1-9][0-9]{3,}/.test(details), 'thousands of real hashes computed');
      await shot('pow-full-rate-menu');
    },
  },
];
