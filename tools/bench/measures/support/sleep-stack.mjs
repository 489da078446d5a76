/**
 * The scheduling benchmark's stack: about 20 real images whose only work is `RUN sleep <d>`,
 * written in imagestack's own format (specs.yml + images/<name>/Dockerfile, parents named as
 * `ARG REGISTRY` / `ARG <NAME>_TAG` / `FROM ${REGISTRY}/<name>:${<NAME>_TAG}`), plus the
 * arithmetic around it: the lower bound max(critical path, total work ÷ P), the waves, and
 * simulated schedules (sequential, wave by wave, list scheduling).
 *
 * The shape (durations in seconds of `sleep`, before scaling):
 *
 *   chain  c0 → c1 → … → c7            2.5 s each (20 s: the critical path)
 *   beside it, 12 shorter images (three roots with fan-out, one with two parents, one leaf
 *   off the chain) whose work together equals the chain's, so total work ÷ 2 = critical
 *   path: with P = 2 a schedule meets the bound only by running the chain back to back on
 *   one slot and everything else on the other. Wave by wave cannot: waves 0 and 1 hold
 *   most of the short work, and the chain waits at each barrier for them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Base image of the roots (present in the engine: tools/engine/up.sh provides it). */
export const BASE_IMAGE = 'debian:bookworm-slim';

/**
 * The stack: name → { sleep (s), parents }, in specs.yml order (the wide part first, as a
 * stack grown over time lists it; a scheduler that takes ready images in file order runs
 * the chain late). Chain c0…c7: 8 × 2.5 s = 20 s; the other 12 images: 20 s in total.
 */
export const SLEEP_STACK = (() => {
  const s = {
    r1: { sleep: 2, parents: [] },
    r2: { sleep: 2, parents: [] },
    r3: { sleep: 2, parents: [] },
    a1: { sleep: 1.5, parents: ['r1'] },
    a2: { sleep: 1.5, parents: ['r1'] },
    a3: { sleep: 1.5, parents: ['r1'] },
    a4: { sleep: 1.5, parents: ['r1'] },
    b1: { sleep: 1.5, parents: ['r2'] },
    b2: { sleep: 1.5, parents: ['r2'] },
    b3: { sleep: 1.5, parents: ['r2', 'r3'] }, // two parents: a COPY --from= edge
    d1: { sleep: 2, parents: ['r3'] },
    l1: { sleep: 1.5, parents: ['c0'] },
  };
  for (let i = 0; i < 8; i++) s[`c${i}`] = { sleep: 2.5, parents: i ? [`c${i - 1}`] : [] };
  return s;
})();

/** The stack with every sleep multiplied by `factor` (rounded to 0.1 s). */
export function scaled(factor, stack = SLEEP_STACK) {
  return Object.fromEntries(Object.entries(stack).map(([n, v]) => [n, { ...v, sleep: Math.round(v.sleep * factor * 10) / 10 }]));
}

/** `<NAME>_TAG`: the build arg imagestack passes for a parent (README, "How a Dockerfile names its parents"). */
export function tagArg(name) {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TAG`;
}

/**
 * The Dockerfile of one image. Multi-parent images use the first parent as the final
 * stage's base and copy a file from the others (`COPY --from=`), so every parent is an edge.
 * `nonce` is written into the `RUN` so the classic builder's cache never answers it.
 */
export function dockerfile(name, spec, nonce) {
  const lines = [];
  if (spec.parents.length) {
    lines.push('ARG REGISTRY');
    for (const p of spec.parents) lines.push(`ARG ${tagArg(p)}`);
    spec.parents.slice(1).forEach((p, i) => lines.push(`FROM \${REGISTRY}/${p}:\${${tagArg(p)}} AS p${i + 1}`));
    lines.push(`FROM \${REGISTRY}/${spec.parents[0]}:\${${tagArg(spec.parents[0])}}`);
    spec.parents.slice(1).forEach((p, i) => lines.push(`COPY --from=p${i + 1} /stack/${p} /stack/${p}`));
  } else {
    lines.push(`FROM ${BASE_IMAGE}`);
  }
  lines.push(`RUN sleep ${spec.sleep} && mkdir -p /stack && echo ${nonce} > /stack/${name}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes specs.yml (one version, no gates declared) and images/<name>/Dockerfile into `dir`.
 *
 * @param registry host[:port] written into specs.yml
 * @param namespace repository namespace written into specs.yml
 */
export function writeSleepStack(dir, { registry, namespace, nonce, stack = SLEEP_STACK }) {
  const specs = [
    '# scheduling benchmark: every build is RUN sleep <d> (tools/bench/measures/support/sleep-stack.mjs)',
    `registry: ${registry}`,
    `namespace: ${namespace}`,
    'versions:',
    '  "bench": {}',
    'images:',
    ...Object.keys(stack).map((n) => `  ${n}: {}`),
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'specs.yml'), specs);
  for (const [name, spec] of Object.entries(stack)) {
    mkdirSync(path.join(dir, 'images', name), { recursive: true });
    writeFileSync(path.join(dir, 'images', name, 'Dockerfile'), dockerfile(name, spec, nonce));
  }
}

/** Runs git in `dir` (quiet, fixed identity). */
export function git(dir, ...args) {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@imagestack.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@imagestack.invalid' },
  }).trim();
}

/** Commits everything in `dir`; returns the full sha. */
export function commitAll(dir, message) {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Wave of each image: 0 for roots, else 1 + the largest wave of its parents. */
export function waves(stack = SLEEP_STACK) {
  const w = {};
  const visit = (n) => (w[n] ??= stack[n].parents.length ? 1 + Math.max(...stack[n].parents.map(visit)) : 0);
  Object.keys(stack).forEach(visit);
  return w;
}

/** Longest path (sum of `cost(n)`) through the DAG, in the unit of `cost`. */
export function criticalPath(stack = SLEEP_STACK, cost = (n) => stack[n].sleep) {
  const finish = {};
  const visit = (n) => (finish[n] ??= cost(n) + Math.max(0, ...stack[n].parents.map(visit)));
  return Math.max(...Object.keys(stack).map(visit));
}

/**
 * The lower bound of any schedule with `p` slots: max(critical path, total work ÷ p),
 * where an image costs `cost(n)` (seconds). No schedule can beat it.
 */
export function lowerBound(p, stack = SLEEP_STACK, cost = (n) => stack[n].sleep) {
  const total = Object.keys(stack).reduce((s, n) => s + cost(n), 0);
  return { criticalPath: criticalPath(stack, cost), totalWork: total, bound: Math.max(criticalPath(stack, cost), total / p) };
}

/**
 * Simulated makespan of list scheduling with `p` slots: whenever a slot is free, start the
 * ready image with the highest `priority` (ties: specs order).
 */
export function simulateList(p, priority, stack = SLEEP_STACK, cost = (n) => stack[n].sleep) {
  const names = Object.keys(stack);
  const done = new Map(); // name → finish time
  const running = []; // { name, end }
  let t = 0;
  while (done.size < names.length) {
    const ready = names.filter((n) => !done.has(n) && !running.some((r) => r.name === n) && stack[n].parents.every((q) => done.has(q) && done.get(q) <= t));
    ready.sort((a, b) => priority(b) - priority(a) || names.indexOf(a) - names.indexOf(b));
    while (running.length < p && ready.length) {
      const n = ready.shift();
      running.push({ name: n, end: t + cost(n) });
    }
    running.sort((a, b) => a.end - b.end);
    const next = running.shift();
    t = next.end;
    done.set(next.name, t);
  }
  return t;
}

/** Simulated makespan wave by wave: each wave's images with `p` slots (longest first), then a barrier. */
export function simulateWaves(p, stack = SLEEP_STACK, cost = (n) => stack[n].sleep) {
  const w = waves(stack);
  let total = 0;
  for (let k = 0; k <= Math.max(...Object.values(w)); k++) {
    const slots = new Array(p).fill(0);
    for (const n of Object.keys(stack).filter((x) => w[x] === k).sort((a, b) => cost(b) - cost(a))) {
      slots.sort((a, b) => a - b);
      slots[0] += cost(n);
    }
    total += Math.max(...slots);
  }
  return total;
}
