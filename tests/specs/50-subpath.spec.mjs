// The release build made with --public-url /x/y/ works when served under that sub-path.
import { assert, until } from '../lib/app.mjs';

export const tests = [
  {
    name: 'sub-path build loads and runs a lab under /x/y/',
    needs: 'subpath',
    fn: async ({ page, subUrl, shot }) => {
      const failed = [];
      page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
      await page.goto(subUrl);
      await page.waitForSelector('[data-testid=home]', { timeout: 30_000 });
      await page.click('[data-testid^=open-]');
      await page.waitForSelector('[data-testid=lab]');
      assert(page.url().startsWith(subUrl), `still under the sub-path: ${page.url()}`);
      await until(async () => (await page.$$('[data-testid=cluster] [data-testid^=node-]')).length > 0, 'nodes drawn');
      assert(failed.length === 0, `no failed requests: ${failed.join(', ')}`);
      // The favicon is the site's own, under the sub-path, and loads.
      const icon = await page.$eval('link[rel=icon]', (l) => l.href);
      assert(icon.startsWith(subUrl), `the favicon is under the sub-path: ${icon}`);
      const res = await page.request.get(icon);
      assert(res.ok() && (await res.body()).length > 0, `the favicon loads: ${res.status()} ${icon}`);
      await shot('subpath-lab');
    },
  },
];
