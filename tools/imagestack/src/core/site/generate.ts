/**
 * Writes the static site: `index.html` (the stack), `images/<image>.html`,
 * `promotions.html`, `run.html`, `site.json` (the model) and the copied package manifests
 * under `manifests/`. Every link is relative and nothing is loaded from elsewhere, so the
 * folder works from `file://`, from GitHub Pages and from `imagestack serve`.
 *
 * The folder is written anew: files of an earlier site that this one does not write are
 * removed (only inside `outDir`, and only when it looks like a site: it has `site.json`
 * or is empty).
 */
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { collectSite, type CollectOptions, type SiteCopy } from './collect';
import { imageFile } from './html';
import type { SiteModel } from './model';
import { renderGraph } from './render-graph';
import { renderImagePage, renderPromotionsPage, renderRunPage, renderStackPage } from './render-pages';

/** The pages of a model, by site-relative path. Pure apart from the layout (elkjs). */
export async function renderSite(model: SiteModel): Promise<Map<string, string>> {
  const graph = await renderGraph(model);
  const pages = new Map<string, string>();
  pages.set('index.html', renderStackPage(model, graph));
  for (const img of model.images) pages.set(`images/${imageFile(img.name)}`, renderImagePage(model, img));
  pages.set('promotions.html', renderPromotionsPage(model));
  pages.set('run.html', renderRunPage(model));
  pages.set('site.json', `${JSON.stringify(model, null, 2)}\n`);
  return pages;
}

/** What {@link generateSite} wrote. */
export interface SiteResult {
  outDir: string;
  model: SiteModel;
  /** Site-relative path → size in bytes, for every file written. */
  files: Record<string, number>;
}

/**
 * Collects, renders and writes the site into `outDir`.
 *
 * @throws InputError when `outDir` exists, is not empty and holds no `site.json` (not ours to clear)
 * @throws what {@link collectSite} throws
 */
export async function generateSite(opts: CollectOptions & { outDir: string }): Promise<SiteResult> {
  const outDir = path.resolve(opts.outDir);
  await checkOutDir(outDir);
  const { model, copies } = await collectSite(opts);
  const pages = await renderSite(model);
  await rm(outDir, { recursive: true, force: true });
  const files: Record<string, number> = {};
  for (const [rel, text] of pages) {
    const file = path.join(outDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    files[rel] = Buffer.byteLength(text);
  }
  await copyAll(outDir, copies, files);
  return { outDir, model, files };
}

async function copyAll(outDir: string, copies: readonly SiteCopy[], files: Record<string, number>): Promise<void> {
  for (const c of copies) {
    const to = path.join(outDir, c.to);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(c.from, to);
    files[c.to] = statSync(to).size;
  }
}

async function checkOutDir(outDir: string): Promise<void> {
  if (!existsSync(outDir)) return;
  const entries = await readdir(outDir);
  if (entries.length && !entries.includes('site.json')) {
    throw new InputError([
      {
        file: outDir,
        message: 'the output folder is not empty and holds no site.json, so it is not an imagestack site',
        fix: 'name an empty or new folder with --out (default dist/site)',
      },
    ]);
  }
}
