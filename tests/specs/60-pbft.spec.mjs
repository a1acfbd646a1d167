// The PBFT lab: requests flow under the primary R0 and the quorum grid shows each replica's
// prepares and commits against the 2f and 2f + 1 gauges; R0 is made Byzantine (silent) from
// its node menu's Byzantine section, the backups change view and R1 becomes primary; the
// lesson step with two traitors ends in a caught Agreement violation that names the fault
// bound.
import { open, nodes, play, pause, speed, nodeMenu, until, assert, sleep } from '../lib/app.mjs';

/** The quorum grid: column headers and rows of {label, cells: [{text, filled}]}, and gauges. */
async function quorumGrid(page) {
  return page.$eval('[data-testid=figure-quorum]', (fig) => ({
    columns: [...fig.querySelectorAll('thead th')].map((th) => th.textContent.trim()),
    rows: [...fig.querySelectorAll('tbody tr')].map((r) => ({
      label: r.querySelector('th').textContent.trim(),
      cells: [...r.querySelectorAll('td')].map((td) => ({
        text: (td.querySelector('.fig-cell-text') || { textContent: '' }).textContent.trim(),
        filled: td.classList.contains('filled'),
      })),
    })),
    gauges: [...fig.querySelectorAll('.fig-gauge')].map((g) => ({ text: g.querySelector('.fig-gauge-text').textContent.trim(), reached: g.classList.contains('reached') })),
  }));
}

const replica = (ns, id) => ns.find((n) => n.id === id);

export const tests = [
  {
    name: 'pbft: quorum grid, Byzantine primary from the menu, view change',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/pbft');
      await speed(page, '1×');
      await play(page);
      // Requests complete under R0: some replica reaches its commit quorum in the grid.
      await until(async () => {
        const g = await quorumGrid(page);
        return g.gauges.some((x) => x.reached && /\/3$/.test(x.text));
      }, 'a replica holds 2f + 1 = 3 commits', { timeoutMs: 20_000 });
      await pause(page);
      const g = await quorumGrid(page);
      assert(g.columns.includes('R0 P') && g.columns.includes('R3 C'), `P and C columns per replica (${g.columns.join(' ')})`);
      assert(g.rows.length === 4, `one row per replica (${g.rows.length})`);
      const labels = await page.$$eval('[data-testid=figure-quorum] tfoot th', (ths) => ths.map((t) => t.textContent));
      assert(labels.some((l) => /2f = 2 prepares/.test(l)) && labels.some((l) => /2f\+1 = 3 commits/.test(l)), `quorum lines (${labels})`);
      assert(replica(await nodes(page), 0).role === 'primary', 'R0 is primary of view 0');
      await shot('pbft-quorum');

      // R0 turns Byzantine from its node menu: the Byzantine section lists the model's modes.
      const menu = await nodeMenu(page, 0);
      const modes = await menu.locator('[data-testid=byzantine]').evaluateAll((els) => els.map((e) => e.getAttribute('data-mode')));
      for (const m of ['silent', 'equivocate', 'lie', 'conflict', 'replay', 'slow', 'honest']) assert(modes.includes(m), `mode ${m} offered (${modes})`);
      await shot('pbft-menu');
      await menu.locator('[data-testid=byzantine][data-mode=silent]').click();
      await play(page);
      await until(async () => /Byzantine/.test(replica(await nodes(page), 0).label), 'R0 is marked Byzantine');
      await until(async () => replica(await nodes(page), 1).role === 'primary', 'R1 becomes primary after a view change', { timeoutMs: 30_000 });
      const r1 = replica(await nodes(page), 1);
      assert(/v1|v2/.test(r1.headline), `R1 shows the new view (${r1.headline})`);
      await sleep(500);
      await pause(page);
      await shot('pbft-view-change');
      const rows = (await quorumGrid(page)).rows.map((r) => r.label);
      assert(rows.includes('R0 ⚠'), `the Byzantine replica is marked in the grid (${rows})`);
    },
  },
  {
    name: 'pbft: two traitors break agreement and the lab says the bound was exceeded',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lesson/pbft/8');
      await until(async () => /traitors/.test(await page.textContent('[data-testid=lesson-step-title]')), 'the two-traitors step is open');
      await speed(page, '1×');
      await play(page);
      await until(async () => /fault bound was exceeded/.test(await page.textContent('body')), 'the violation names the fault bound', { timeoutMs: 20_000 });
      await pause(page);
      await shot('pbft-violation');
    },
  },
];
