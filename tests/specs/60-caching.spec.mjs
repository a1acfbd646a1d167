// The caching lab: switch the eviction policy on a loop and watch the hit ratio move; crash a
// write-behind cache and see the acknowledged writes it lost counted; trigger a stampede and
// cure it in the graded challenge.
import { open, nodes, play, pause, speed, fault, until, assert, sleep } from '../lib/app.mjs';

async function caption(page) {
  return (await page.textContent('[data-testid=figure-contents] .hint')) || '';
}

async function setParam(page, key, value) {
  const el = page.locator(`[data-testid=param-${key}]`);
  const tag = await el.evaluate((e) => e.tagName);
  if (tag === 'SELECT') await el.selectOption(String(value));
  else {
    await el.fill(String(value));
    await el.press('Enter');
  }
}

export const tests = [
  {
    name: 'switch the policy on a loop and the hit ratio moves',
    fn: async ({ page, base, shot }) => {
      // Lesson step 3: one client loops over 180 keys, one cache of 150, LRU.
      await open(page, base, '#/lesson/caching/3');
      await speed(page, '1×');
      await play(page);
      await sleep(2500);
      const client = (await nodes(page)).find((n) => n.role === 'client');
      assert(client, 'a client is drawn');
      const lru = (await nodes(page)).find((n) => n.id === client.id).headline;
      assert(/^0%/.test(lru), `LRU never hits on a loop one size too big (${lru})`);
      const lists = page.locator('[data-testid=figure-contents]');
      assert(/LRU/.test(await lists.locator('h2').textContent()), 'the contents figure names LRU');
      const tiles = await lists.locator('.lst-item').count();
      assert(tiles > 0, 'the cache contents are drawn as tiles');
      await shot('caching-loop-lru');

      await setParam(page, 'policy', 'random');
      await until(async () => /Random/.test(await lists.locator('h2').textContent()), 'the figure follows the policy');
      const ratio = await until(async () => {
        const h = (await nodes(page)).find((n) => n.id === client.id).headline;
        const v = parseFloat(h);
        return v > 0 && v;
      }, 'the hit ratio rises above zero with random eviction', { timeoutMs: 15_000 });
      await pause(page);
      await shot('caching-loop-random');
      assert(ratio > 0, `hit ratio ${ratio} %`);

      // CLOCK draws a ring with a hand.
      await setParam(page, 'policy', 'clock');
      await play(page);
      await until(async () => (await page.locator('[data-testid=figure-contents] svg.lst-ring').count()) > 0, 'CLOCK is drawn as a ring');
      const label = await page.getAttribute('[data-testid=figure-contents] svg.lst-ring', 'aria-label');
      assert(/hand points at frame \d+/.test(label), `the ring describes its hand: "${label}"`);
      await pause(page);
      await shot('caching-clock-ring');
    },
  },
  {
    name: 'crash a write-behind cache and the lost writes are counted',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/caching');
      await pause(page);
      await setParam(page, 'mode', 'write_behind');
      await setParam(page, 'flush_ms', 3000);
      await setParam(page, 'write_share', 0.3);
      await speed(page, '1×');
      await play(page);
      await sleep(1500);
      const cache = (await nodes(page)).find((n) => n.role === 'cache');
      assert(cache, 'a cache node is drawn');
      assert(/lost: 0|0 acknowledged writes lost/.test(await caption(page)), `nothing lost yet: ${await caption(page)}`);
      await fault(page, cache.id, 'crash');
      const lost = await until(async () => {
        const m = (await caption(page)).match(/(\d+) acknowledged writes lost/);
        return m && Number(m[1]) > 0 && Number(m[1]);
      }, 'the lost writes are counted');
      await pause(page);
      await shot('caching-write-behind-loss');
      assert(lost > 0, `${lost} acknowledged writes lost`);
    },
  },
  {
    name: 'trigger a stampede, then cure it (graded challenge)',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/challenge/caching/caching-stampede');
      await pause(page);
      await setParam(page, 'rate', 2000);
      await speed(page, '4×');
      await play(page);
      await until(async () => (await page.getAttribute('[data-testid=goal-0]', 'data-state')) === 'met', 'a herd of 10 reads of one key', { timeoutMs: 20_000 });
      await pause(page);
      const peak = Number(((await caption(page)).match(/stampede peak (\d+)/) || [])[1]);
      assert(peak >= 10, `the caption shows the herd (${peak})`);
      await shot('caching-stampede');
      await setParam(page, 'cure', 'single_flight');
      await speed(page, 'max');
      await play(page);
      await until(async () => (await page.locator('[data-testid=solved]').count()) > 0, 'the challenge is solved once single flight holds the herd to one', { timeoutMs: 45_000 });
      await pause(page);
      await shot('caching-stampede-cured');
    },
  },
];
