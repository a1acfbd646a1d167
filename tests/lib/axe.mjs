// Accessibility checks with axe-core (npm, pinned in package.json): injects axe into a page and
// returns its violations, grouped by rule, with the offending elements.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Impacts that fail a check: axe's "serious" and "critical". */
export const BLOCKING = ['serious', 'critical'];

/**
 * Runs axe on the page (all of WCAG 2.x A/AA and axe's best practices, unless `runOnly` names
 * rules) and returns its violations as
 * [{ id, impact, help, nodes: [{ target, summary, html }] }].
 */
export async function axeViolations(page, { runOnly = null } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(async (only) => {
    const options = { resultTypes: ['violations'] };
    if (only) options.runOnly = { type: 'rule', values: only };
    const result = await window.axe.run(document, options);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 160) })),
    }));
  }, runOnly);
}

/** One line per rule and a few offending elements each, for a failure message or a log. */
export function describe(violations, { nodesPerRule = 3 } = {}) {
  return violations.map((v) => {
    const shown = v.nodes.slice(0, nodesPerRule).map((n) => `\n        ${n.target}  ${n.html}\n          ${(n.summary || '').replace(/\n\s*/g, ' ')}`).join('');
    const more = v.nodes.length > nodesPerRule ? `\n        … ${v.nodes.length - nodesPerRule} more` : '';
    return `    [${v.impact}] ${v.id}: ${v.help} (${v.nodes.length} element${v.nodes.length === 1 ? '' : 's'})${shown}${more}`;
  }).join('\n');
}
