/**
 * A real headless browser for the site tests: Debian's chromium, installed by the repo's
 * own script (tools/browser/up.sh), driven by playwright-core with a fresh profile.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/workspace';

/** Where screenshots go (git-ignored). */
export const ARTIFACTS = path.join(REPO_ROOT, 'tools/imagestack/test/artifacts');

/** Installs chromium when missing (idempotent); returns its path. */
export function ensureBrowser(): string {
  return execFileSync('bash', [path.join(REPO_ROOT, 'tools/browser/up.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** A browser with a fresh user-data-dir; `close()` removes it. */
export async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = ensureBrowser();
  const profile = mkdtempSync(path.join(os.tmpdir(), 'imagestack-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** axe-core's violations of impact serious or critical on the page (WCAG 2.x A/AA rules and best practices). */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; targets: string[] }>> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Saves a full-page screenshot at `width` px into {@link ARTIFACTS}; returns its path. */
export async function screenshot(page: Page, name: string, width: number): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.setViewportSize({ width, height: 900 });
  const file = path.join(ARTIFACTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
