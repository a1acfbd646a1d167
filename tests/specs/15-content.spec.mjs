// Each lab's content (lesson, scenarios, challenges) is a static file fetched when a page first
// needs it, not part of the first load: the home page and a plain lab fetch none; a lesson or
// challenge opened from a cold load fetches its lab's file once and shows it; a slow fetch shows
// a busy placeholder; a failed or damaged one shows an error with a retry while the lab runs.
import { open, clock, play, pause, until, assert, sleep } from '../lib/app.mjs';
import { axeViolations, describe, BLOCKING } from '../lib/axe.mjs';

/** Fails on serious or critical axe violations (the a11y spec's bar). */
async function accessible(page, where) {
  const blocking = (await axeViolations(page)).filter((v) => BLOCKING.includes(v.impact));
  assert(blocking.length === 0, `axe on ${where}:\n${describe(blocking)}`);
}

/** Records the content files the page requests: [{url, status}] (status null until answered). */
function watchContent(page) {
  const seen = [];
  page.on('request', (r) => { if (/\/content\/[^/]+\.json/.test(r.url())) seen.push({ url: r.url(), status: null }); });
  page.on('response', (r) => {
    const s = seen.find((x) => x.url === r.url() && x.status === null);
    if (s) s.status = r.status();
  });
  return seen;
}

/** The first challenge's hash of a lab, read from the home page. */
async function firstChallenge(page, base, model) {
  await open(page, base);
  const href = await page.getAttribute(`[data-testid=lab-card-${model}] a[href*="#/challenge/"]`, 'href');
  return href.slice(href.indexOf('#'));
}

const nodesDrawn = async (page) => (await page.$$('[data-testid=cluster] [data-testid^=node-]')).length > 0;

export const tests = [
  {
    name: 'content: the first load and a plain lab fetch none; a lesson and a challenge fetch their lab once',
    fn: async ({ page, base, shot }) => {
      const seen = watchContent(page);
      await open(page, base);
      await open(page, base, '#/lab/pow');
      await until(() => nodesDrawn(page), 'the plain lab runs');
      assert(seen.length === 0, `no content fetched for the home page and a plain lab: ${seen.map((s) => s.url).join(', ')}`);
      const challenge = await firstChallenge(page, base, 'raft');

      // A lesson from a cold load: its lab's file arrives and the step's prose is shown.
      await page.goto('about:blank');
      await open(page, base, '#/lesson/raft/2');
      await page.waitForSelector('[data-testid=lesson]');
      const title = await page.textContent('[data-testid=lesson-step-title]');
      assert(/^Step 2 of \d+: /.test(title), `the lesson step is shown: ${title}`);
      assert((await page.$$('[data-testid=lesson] .prose p')).length > 0, 'the step has its prose (HTML)');
      assert(seen.length === 1 && /\/content\/raft-[0-9a-f]{16}\.json$/.test(seen[0].url) && seen[0].status === 200,
        `one raft content file fetched: ${JSON.stringify(seen)}`);
      assert(!(await page.$('[data-testid=notice]')), 'no error notice: the step\'s scenario loaded');
      await shot('content-lesson-raft-2');

      // The next step and a challenge of the same lab come from the session's copy.
      await page.click('[data-testid=lesson-next]');
      await until(async () => /^Step 3 of/.test(await page.textContent('[data-testid=lesson-step-title]')), 'step 3');
      await page.evaluate((h) => { location.hash = h; }, challenge);
      await page.waitForSelector('[data-testid=challenge]');
      assert((await page.$$('[data-testid=challenge] .prose p')).length > 0, 'the brief is shown (HTML)');
      assert(seen.length === 1, `nothing fetched again: ${seen.map((s) => s.url).join(', ')}`);

      // A challenge of another lab from a cold load.
      const sharding = await firstChallenge(page, base, 'sharding');
      await page.goto('about:blank');
      const before = seen.length;
      await open(page, base, sharding);
      await page.waitForSelector('[data-testid=challenge] [data-testid=goal-0]');
      assert(seen.length === before + 1 && /\/content\/sharding-/.test(seen[before].url), `the sharding file was fetched: ${JSON.stringify(seen.slice(before))}`);
      assert(await page.getAttribute('[data-testid=lab]', 'data-model') === 'sharding', 'the sharding lab runs the challenge');
      await shot('content-challenge-sharding');
    },
  },
  {
    name: 'content: a slow fetch shows a busy placeholder, a failed or damaged one an error with a retry while the lab runs',
    // The aborted request is logged by the browser as a failed resource.
    allowConsoleErrors: /Failed to load resource|ERR_FAILED/,
    fn: async ({ page, base, shot }) => {
      // Slow: the placeholder is busy and says what it waits for; then the lesson arrives.
      let release;
      const gate = new Promise((r) => { release = r; });
      await page.route('**/content/*.json', async (route) => { await gate; await route.continue(); });
      await page.goto(base + '#/lesson/pow/1');
      await page.waitForSelector('[data-testid=content-loading][aria-busy=true]', { timeout: 30_000 });
      const status = await page.textContent('[data-testid=content-loading] [role=status]');
      assert(/Loading the lesson/.test(status), `the placeholder says what is loading: ${status}`);
      assert(!(await page.$('[data-testid=lab]')), 'the lesson page waits for its content');
      await accessible(page, 'the loading placeholder');
      await shot('content-loading');
      release();
      await page.waitForSelector('[data-testid=lesson]');
      await page.unroute('**/content/*.json');

      // Failed: the lab runs with its defaults, the side panel says why and offers a retry.
      await page.goto('about:blank');
      await page.route('**/content/*.json', (route) => route.abort());
      await open(page, base, '#/lesson/caching/2');
      await page.waitForSelector('[data-testid=content-error]');
      assert(!(await page.$('[data-testid=lesson]')), 'no lesson without its content');
      assert(/did not load/.test(await page.textContent('[data-testid=content-error]')), 'the error says what happened');
      await until(() => nodesDrawn(page), 'the lab runs without its content');
      await play(page);
      const t0 = (await clock(page)).events;
      await until(async () => (await clock(page)).events > t0, 'the simulation advances');
      await pause(page);
      await accessible(page, 'the content error');
      await shot('content-error');
      await page.unroute('**/content/*.json');
      await page.click('[data-testid=content-retry]');
      await page.waitForSelector('[data-testid=lesson]');
      assert(/^Step 2 of/.test(await page.textContent('[data-testid=lesson-step-title]')), 'the retry opens the lesson step');
      assert(!(await page.$('[data-testid=content-error]')), 'the error is gone');

      // Damaged: a file that is not the content format is an error too, not a panic.
      const challenge = await firstChallenge(page, base, 'balance');
      await page.goto('about:blank');
      await page.route('**/content/*.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"lesson": 5' }));
      await open(page, base, challenge);
      await page.waitForSelector('[data-testid=content-error]');
      assert(/damaged/.test(await page.textContent('[data-testid=content-error]')), 'a damaged file is named as such');
      await until(() => nodesDrawn(page), 'the lab runs');
      await page.unroute('**/content/*.json');

      // A compare script whose content fails: the default comparison, the error and a retry.
      await page.goto('about:blank');
      await page.route('**/content/*.json', (route) => route.abort());
      await page.goto(base + '#/compare/raft?vs=paxos&script=raft-minority-partition.json');
      await page.waitForSelector('[data-testid=compare] [data-testid=content-error]', { timeout: 30_000 });
      await page.unroute('**/content/*.json');
      await page.click('[data-testid=content-retry]');
      await until(async () => /raft-minority-partition/.test(await page.textContent('[data-testid=compare-models]')), 'the retry runs the script');
      await sleep(200);
    },
  },
  {
    name: 'content: a lesson loads its content under a sub-path',
    needs: 'subpath',
    fn: async ({ page, subUrl, shot }) => {
      const failed = [];
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
      const seen = watchContent(page);
      await page.goto(subUrl + '#/lesson/raft/1');
      await page.waitForSelector('[data-testid=lesson]', { timeout: 30_000 });
      assert(seen.length === 1 && seen[0].url.startsWith(subUrl + 'content/') && seen[0].status === 200, `content fetched under the sub-path: ${JSON.stringify(seen)}`);
      assert(failed.length === 0, `no failed requests: ${failed.join(', ')}`);
      await shot('subpath-lesson');
    },
  },
];
