// The Paxos lab: a Multi-Paxos leader emerges and a client write is chosen (the slots grid's
// omniscient row fills); a minority is cut off and the majority still decides while the
// minority learns nothing; the duelling-proposers lesson step climbs ballots without a
// decision; step back one event.
import { open, nodes, clock, play, pause, speed, command, until, assert, sleep } from '../lib/app.mjs';

/** Cells of the slots grid: rows of {label, cells: [{text, filled}]}. */
async function slots(page) {
  return page.$$eval('[data-testid=figure-slots] tbody tr', (rows) => rows.map((r) => ({
    label: r.querySelector('th').textContent.trim(),
    cells: [...r.querySelectorAll('td')].map((td) => ({
      text: (td.querySelector('.fig-cell-text') || { textContent: '' }).textContent.trim(),
      filled: td.classList.contains('filled'),
    })),
  })));
}

const chosenCount = async (page) => (await slots(page))[0].cells.filter((c) => c.filled).length;
const learnedBy = async (page, label) => (await slots(page)).find((r) => r.label === label).cells.filter((c) => c.filled).length;

export const tests = [
  {
    name: 'paxos: value chosen, minority cut off, step back',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/paxos');
      await speed(page, '1×');
      await play(page);
      const leader = await until(async () => (await nodes(page)).find((n) => n.role === 'leader' && n.status === 'up'), 'a Multi-Paxos leader', { timeoutMs: 20_000 });
      assert(Number(leader.headline) >= 1, `the leader shows its ballot (${leader.headline})`);

      // A client write through a follower is forwarded, chosen, learned, executed.
      const follower = (await nodes(page)).find((n) => n.id !== leader.id).id;
      await command(page, follower, 'request');
      await until(async () => (await chosenCount(page)) >= 1, 'the omniscient row shows a chosen slot', { timeoutMs: 10_000 });
      await until(async () => (await learnedBy(page, `N${follower}`)) >= 1, 'the follower learned it');
      const acceptors = page.locator('[data-testid=figure-acceptors]');
      assert(await acceptors.count() === 1, 'the acceptors grid is drawn');
      assert(await acceptors.locator('.fig-gauge.reached').count() >= 1, 'a quorum gauge is reached');
      await shot('paxos-chosen');

      // Cut off two non-leaders: the majority with the leader still decides. The leader is read
      // again now: a duel at the start can hand leadership to a higher ballot after the first
      // read, and the deposed leader keeps its role until it hears of it.
      await pause(page);
      const all = (await nodes(page)).map((n) => n.id);
      const current = (await nodes(page)).filter((n) => n.role === 'leader' && n.status === 'up')
        .sort((a, b) => Number(b.headline) - Number(a.headline))[0];
      const minority = all.filter((id) => id !== current.id).slice(0, 2);
      for (const id of all) {
        await page.selectOption(`[data-testid=group-${id}]`, minority.includes(id) ? '1' : '0');
      }
      await page.click('[data-testid=partition-apply]');
      const before = await chosenCount(page);
      await command(page, current.id, 'request');
      await play(page);
      await until(async () => (await chosenCount(page)) > before, 'the majority chose the new write', { timeoutMs: 10_000 });
      await sleep(500);
      await pause(page);
      for (const id of minority) {
        const learned = await learnedBy(page, `N${id}`);
        assert(learned === before, `minority N${id} did not learn the new slot (${learned} learned, ${before} before)`);
      }
      await shot('paxos-minority');

      // Step back one event and forward again.
      const c = await clock(page);
      await page.click('[data-testid=step-back]');
      await until(async () => (await clock(page)).events === c.events - 1, `events ${c.events} -> ${c.events - 1} after step back`);
      await page.click('[data-testid=step]');
      await until(async () => (await clock(page)).events === c.events, 'step forward again');
    },
  },
  {
    name: 'paxos: duelling proposers climb ballots without a decision',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lesson/paxos/4');
      await until(async () => /Duelling/.test(await page.textContent('[data-testid=lesson-step-title]')), 'the duel step is open');
      await speed(page, '1×');
      await play(page);
      const top = await until(async () => {
        const rounds = (await nodes(page)).map((n) => Math.floor(Number(n.headline) || 0));
        const max = Math.max(...rounds);
        return max >= 10 && max;
      }, 'ballots climb past round 10', { timeoutMs: 20_000 });
      const t = await clock(page);
      const m = t.text.match(/([\d.]+) (ms|s)/);
      const ms = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
      assert(ms < 1500, `still before backoff is switched on (${t.text})`);
      assert((await chosenCount(page)) === 0, `nothing chosen while they duel (round ${top})`);
      await pause(page);
      await shot('paxos-duel');
      await play(page);
      await until(async () => (await chosenCount(page)) === 1, 'backoff ends the duel', { timeoutMs: 20_000 });
      await shot('paxos-duel-ended');
    },
  },
];

// Compare mode with two models: Raft and Multi-Paxos play one fault script side by side.
tests.push({
  name: 'paxos: Raft and Multi-Paxos compared on one script',
  fn: async ({ page, base, shot }) => {
    await page.goto(`${base}#/compare/raft?vs=paxos&script=raft-minority-partition.json`);
    await page.waitForSelector('[data-testid=compare]', { timeout: 30_000 });
    const text = await page.textContent('[data-testid=compare-models]');
    assert(/raft/.test(text) && /paxos/.test(text) && /raft-minority-partition/.test(text), `both models and the script are named (${text})`);
    assert(!(await page.$('[data-testid=notice]')), 'no error notice');
    await speed(page, '1×');
    await play(page);
    await until(async () => (await clock(page)).events > 200, 'both runs advance', { timeoutMs: 20_000 });
    await sleep(3500);
    await pause(page);
    const a = await page.getAttribute('[data-testid=compare-run-a]', 'data-hash');
    const b = await page.getAttribute('[data-testid=compare-run-b]', 'data-hash');
    assert(a !== b, 'two different runs');
    const row = page.locator('[data-testid=compare-row-commit_latency_ms]');
    assert(await row.count() === 1, 'commit latency is compared (a metric both models have)');
    await shot('paxos-compare-raft');
  },
});
