// The home page lists every lab, and each lab, lesson and challenge page opens from it.
import { open, assert, until, nodeMenuByClick, pause } from '../lib/app.mjs';

const EXPECTED = ['raft', 'balance'];

export const tests = [
  {
    name: 'home page shows every lab, each opens',
    fn: async ({ page, base, shot }) => {
      await open(page, base);
      const cards = await page.$$eval('[data-testid^=lab-card-]', (els) => els.map((e) => e.getAttribute('data-testid').slice(9)));
      for (const m of EXPECTED) assert(cards.includes(m), `home lists the ${m} lab (found: ${cards.join(', ')})`);
      for (const m of cards) {
        const text = await page.textContent(`[data-testid=lab-card-${m}]`);
        assert(text.trim().length > 20, `the ${m} card has a pitch`);
      }
      await shot('home');
      for (const m of cards) {
        await open(page, base);
        await page.click(`[data-testid=open-${m}]`);
        await page.waitForSelector(`[data-testid=lab][data-model=${m}]`);
        await until(async () => (await page.$$('[data-testid=cluster] [data-testid^=node-]')).length > 0, `${m} nodes drawn`);
        await page.waitForTimeout(1500);
        await shot(`lab-${m}`);
      }
    },
  },
  {
    name: 'lesson and challenge pages open from the home page',
    fn: async ({ page, base, shot }) => {
      await open(page, base);
      const links = await page.$$eval('[data-testid^=lab-card-] a[href*="#/lesson/"], [data-testid^=lab-card-] a[href*="#/challenge/"]',
        (els) => els.map((e) => e.getAttribute('href')));
      assert(links.some((l) => l.includes('#/lesson/raft')), 'a Raft lesson is linked');
      for (const href of links) {
        const hash = href.slice(href.indexOf('#'));
        await open(page, base, hash);
        const kind = hash.includes('lesson') ? 'lesson' : 'challenge';
        await page.waitForSelector(`[data-testid=${kind}]`);
        assert(!(await page.$('[data-testid=notice] >> text=/could not/i')), `${hash} loads its scenario`);
        await page.waitForTimeout(800);
        await shot(hash.replace(/[#/]+/g, '-').replace(/^-/, ''));
      }
    },
  },
  {
    name: 'keyboard: ? opens the shortcuts list, Escape closes it',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('?');
      const dialog = page.locator('[data-testid=shortcuts]');
      await dialog.waitFor({ state: 'visible' });
      const text = await dialog.textContent();
      assert(/play/i.test(text) && /step/i.test(text), 'the list names play and step');
      await shot('shortcuts');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      // Space toggles play / pause from the keyboard.
      const before = await page.getAttribute('[data-testid=play]', 'aria-pressed');
      await page.keyboard.press('Space');
      await until(async () => (await page.getAttribute('[data-testid=play]', 'aria-pressed')) !== before, 'space toggles play');
    },
  },
  {
    name: 'clicking a node opens its menu; Escape closes it',
    fn: async ({ page, base, shot }) => {
      await open(page, base, '#/lab/raft');
      await pause(page);
      const menu = await nodeMenuByClick(page, 1);
      assert(await menu.locator('[data-testid=crash]').count() === 1, 'the menu offers crash');
      await shot('node-menu');
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'detached' });
    },
  },
];
