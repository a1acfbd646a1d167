// The Raft lab: elect, crash the leader from its menu, re-elect with a higher term; cut off a
// minority with the leader and watch it fail to commit; step back one event.
import { open, leaders, nodes, clock, play, pause, speed, fault, command, until, assert, sleep } from '../lib/app.mjs';

export const tests = [
  {
    name: 'leader crash, re-election, minority partition, step back',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await speed(page, '1×');
      await play(page);
      const [first] = await until(async () => { const l = await leaders(page); return l.length === 1 && l; }, 'a leader', { timeoutMs: 20_000 });
      assert(first.term >= 1, `leader has a term (${first.term})`);
      await shot('raft-leader');

      // Crash the leader from its node menu.
      await fault(page, first.id, 'crash');
      await until(async () => (await nodes(page)).find((n) => n.id === first.id).status === 'crashed', 'old leader shown crashed');
      const [second] = await until(async () => {
        const l = await leaders(page);
        return l.length === 1 && l[0].id !== first.id && l[0].term > first.term && l;
      }, 'a new leader with a higher term', { timeoutMs: 20_000 });
      await shot('raft-new-leader');

      // Bring the old leader back, then isolate the leader with one follower (a minority of 5).
      await fault(page, first.id, 'restart');
      await sleep(500);
      const all = (await nodes(page)).map((n) => n.id);
      const buddy = all.find((id) => id !== second.id);
      await pause(page);
      // Group A (value 0) for the majority, group B (value 1) for the leader and its buddy.
      for (const id of all) {
        await page.selectOption(`[data-testid=group-${id}]`, id === second.id || id === buddy ? '1' : '0');
      }
      await page.click('[data-testid=partition-apply]');
      // A client write through the cut-off leader cannot commit: it stays tentative.
      await command(page, second.id, 'request');
      await play(page);
      await sleep(2500);
      await pause(page);
      const row = page.locator(`[data-testid=cells-${second.id}]`);
      const hollow = await row.locator('.cell.hollow').count();
      assert(hollow >= 1, `the minority leader S${second.id} holds an uncommitted entry (hollow cells: ${hollow})`);
      const majority = (await leaders(page)).filter((l) => l.id !== second.id && l.id !== buddy);
      assert(majority.length === 1 && majority[0].term > second.term, 'the majority elected its own leader with a higher term');
      await shot('raft-minority-partition');

      // Step back one event.
      const before = await clock(page);
      await page.click('[data-testid=step-back]');
      await until(async () => (await clock(page)).events === before.events - 1, `events ${before.events} -> ${before.events - 1} after step back`);
      await page.click('[data-testid=step]');
      await until(async () => (await clock(page)).events === before.events, 'step forward again');
    },
  },
  {
    name: 'steady client load: commits flow, the history reports its size',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await page.fill('[data-testid=param-load_rps]', '200');
      await page.press('[data-testid=param-load_rps]', 'Enter');
      await speed(page, '10×');
      await play(page);
      // Under load the logs grow by hundreds of entries a second; commits keep up.
      await until(async () => parseFloat((await clock(page)).text) > 6, 'six virtual seconds', { timeoutMs: 30_000 });
      await pause(page);
      const text = await page.textContent('[data-testid=history-size]');
      const m = /history (\d+) (KB|MB) · (\d+) snapshots/.exec(text);
      assert(m, `history size shown (${text})`);
      assert(Number(m[3]) > 0, `snapshots are kept (${text})`);
      const committed = await page.evaluate(() => document.querySelectorAll('[data-testid^=cells-] .cell.solid').length);
      assert(committed > 0, 'committed entries are shown');
      await shot('raft-load');
    },
  },
];
