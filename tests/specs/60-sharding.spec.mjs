// The sharding lab: a spare shard joins and keys visibly move on the hash ring; switching the
// strategy to ranges redraws the key space as a range bar after the data has moved; compare
// mode runs the ring against modulo on one workload.
import { open, nodes, play, pause, speed, command, until, assert, sleep } from '../lib/app.mjs';

const caption = (page) => page.textContent('[data-testid=figure-keyspace] .hint');

export const tests = [
  {
    name: 'sharding: a shard joins and keys move; switch strategy to ranges',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/sharding');
      await page.waitForSelector('[data-testid=figure-keyspace] svg');
      assert(await page.locator('[data-testid=figure-keyspace] .fig-ring').count() === 1, 'a hash ring is drawn');
      const arcs = await page.locator('[data-testid=figure-keyspace] path.arc').count();
      assert(arcs >= 4, `the ring has owned arcs (${arcs})`);
      await shot('sharding-ring');

      // Join a spare shard from its menu, at a slow speed so the move can be watched.
      const spare = (await nodes(page)).find((n) => n.role === 'spare');
      assert(spare, 'a spare shard is offered');
      await speed(page, '1/20×');
      await command(page, spare.id, 'join');
      await play(page);
      let sawMoving = false;
      await until(async () => {
        if (await page.locator('[data-testid=figure-keyspace] .fig-key.moving').count() > 0) sawMoving = true;
        return /Last change moved \d+ keys/.test(await caption(page));
      }, 'the join is committed', { timeoutMs: 40_000, intervalMs: 50 });
      assert(sawMoving, 'moving keys were marked on the ring');
      await pause(page);
      const text = await caption(page);
      const m = text.match(/moved \d+ keys \(([\d.]+) %\); the ideal is ([\d.]+) %/);
      assert(m, `the caption gives the moved share and the ideal (${text})`);
      assert(Number(m[1]) < 40, `a consistent ring moved a minority of keys (${m[1]} %)`);
      assert(/5 shards/.test(text), `five shards are members (${text})`);
      await shot('sharding-after-join');

      // Switch to range partitioning: the data moves and the picture becomes a range bar.
      await speed(page, '1×');
      await page.selectOption('[data-testid=param-strategy]', 'range');
      await play(page);
      await until(async () => (await page.locator('[data-testid=figure-keyspace] .fig-bar').count()) === 1, 'the range bar is drawn', { timeoutMs: 30_000 });
      await pause(page);
      const segs = await page.locator('[data-testid=figure-keyspace] rect.range').count();
      assert(segs >= 5, `the bar shows a range per shard (${segs})`);
      assert(/range strategy/.test(await caption(page)), 'the caption names the range strategy');
      assert(await page.locator('[data-testid=violation-bar], .violation-bar').count() === 0, 'no invariant was violated');
      await shot('sharding-range-bar');
    },
  },
  {
    name: 'sharding: compare the ring with modulo',
    fn: async ({ page, base, shot }) => {
      await page.goto(base + '#/compare/sharding?a=strategy=ring&b=strategy=modulo');
      await page.waitForSelector('[data-testid=compare]', { timeout: 30_000 });
      await until(async () => (await page.locator('[data-testid=compare] .fig-ring').count()) >= 0, 'compare page ready');
      await sleep(1500);
      await shot('sharding-compare');
    },
  },
];
