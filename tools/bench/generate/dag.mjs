/**
 * The image graph of a synthetic stack: N images in topological order (parents first),
 * shaped like real stacks: several roots on an external base image, preferential
 * attachment (popular images get more children, hence fan-out hubs), explicit fan-out
 * bursts, long chains, and multi-stage images whose build stage starts FROM another stack
 * image and whose final stage copies from it (`COPY --from=<stage>`).
 */

const WORDS = ['base', 'py', 'ml', 'gcc', 'java', 'node', 'go', 'rust', 'db', 'web', 'tools', 'cuda', 'r', 'julia', 'lint', 'docs', 'qt', 'tex'];

/**
 * @typedef {object} DagImage
 * @property {string} name image name (one lowercase path component)
 * @property {number|null} parent index of the final stage's parent image; null for a root (FROM an external base image)
 * @property {number|null} build index of the image a build stage starts FROM (`AS build`, copied with `COPY --from=build`), or null
 * @property {number|null} files index of an image named only as a stage to copy files from (`AS files`), or null
 * @property {'root'|'chain'|'fanout'|'single'} kind how the generator placed it
 */

/**
 * Makes the graph.
 * @param {number} n number of images (≥ 1)
 * @param {ReturnType<import('./prng.mjs').prng>} rand seeded generator
 * @returns {DagImage[]} images in topological order (every parent index is smaller)
 */
export function makeDag(n, rand) {
  const roots = Math.min(n, Math.max(2, Math.min(12, Math.round(n / 250))));
  /** @type {DagImage[]} */
  const images = [];
  // Preferential attachment: every image is in the urn once, plus once per child.
  const urn = [];
  const add = (parent, kind) => {
    const i = images.length;
    const name = `${WORDS[i % WORDS.length]}${i}`;
    const img = { name, parent, build: null, files: null, kind };
    if (parent !== null && i > 1) {
      if (rand.chance(0.12)) {
        const b = rand.int(0, i - 1);
        if (b !== parent) img.build = b;
      }
      if (rand.chance(0.04)) {
        const f = rand.int(0, i - 1);
        if (f !== parent && f !== img.build) img.files = f;
      }
    }
    images.push(img);
    urn.push(i);
    for (const p of [parent, img.build, img.files]) if (p !== null) urn.push(p);
    return i;
  };
  for (let i = 0; i < roots; i++) add(null, 'root');
  const maxChain = Math.max(4, Math.min(60, Math.floor(n / 15)));
  const maxFan = Math.max(5, Math.min(40, Math.floor(n / 25)));
  while (images.length < n) {
    const r = rand.next();
    if (r < 0.15) {
      let prev = rand.pick(urn);
      const len = rand.int(3, maxChain);
      for (let k = 0; k < len && images.length < n; k++) prev = add(prev, 'chain');
    } else if (r < 0.3) {
      const hub = rand.pick(urn);
      const k = rand.int(4, maxFan);
      for (let j = 0; j < k && images.length < n; j++) add(hub, 'fanout');
    } else {
      add(rand.pick(urn), 'single');
    }
  }
  return images;
}

/** Stack parents of an image (indices, no duplicates): final-stage parent, build stage, files stage. */
export function parentsOf(img) {
  return [...new Set([img.parent, img.build, img.files].filter((p) => p !== null))];
}

/**
 * Shape figures of a graph, to check (and print) that it has the promised shape.
 * @param {DagImage[]} images
 * @returns {{ images: number, roots: number, edges: number, maxFanOut: number, depth: number,
 *   longestChain: number, multiStage: number, copyFromEdges: number, leaves: number }}
 *   `depth` = images on the longest parent path; `longestChain` = longest run of images each
 *   the only child of the previous one; `copyFromEdges` = edges used by `COPY --from=<stage>`.
 */
export function dagStats(images) {
  const children = images.map(() => 0);
  const depth = images.map(() => 1);
  let edges = 0;
  let multiStage = 0;
  let copyFromEdges = 0;
  images.forEach((img, i) => {
    const ps = parentsOf(img);
    edges += ps.length;
    for (const p of ps) {
      children[p]++;
      depth[i] = Math.max(depth[i], depth[p] + 1);
    }
    if (img.build !== null || img.files !== null) multiStage++;
    copyFromEdges += (img.build !== null ? 1 : 0) + (img.files !== null ? 1 : 0);
  });
  // Longest chain: parent has exactly one child and the child has one parent.
  const chain = images.map(() => 1);
  images.forEach((img, i) => {
    const ps = parentsOf(img);
    if (ps.length === 1 && children[ps[0]] === 1) chain[i] = chain[ps[0]] + 1;
  });
  return {
    images: images.length,
    roots: images.filter((x) => x.parent === null).length,
    edges,
    maxFanOut: Math.max(0, ...children),
    depth: Math.max(0, ...depth),
    longestChain: Math.max(0, ...chain),
    multiStage,
    copyFromEdges,
    leaves: children.filter((c) => c === 0).length,
  };
}

/** `gcc-assert` → `GCC_ASSERT_TAG`: the build arg imagestack passes for a parent (README, "How a Dockerfile names its parents"). */
export function tagArg(name) {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TAG`;
}

/**
 * The Dockerfile of image `i` at revision `serial` (the serial changes a RUN line, so a
 * Dockerfile edit is a real change). Parents are named the imagestack way:
 * `ARG REGISTRY`, `ARG <NAME>_TAG`, `FROM ${REGISTRY}/<name>:${<NAME>_TAG}`.
 */
export function dockerfile(images, i, serial) {
  const img = images[i];
  const ref = (j) => `\${REGISTRY}/${images[j].name}:\${${tagArg(images[j].name)}}`;
  const lines = [`# ${img.name}: a generated image (tools/bench/generate)`];
  const ps = parentsOf(img);
  if (ps.length) {
    lines.push('ARG REGISTRY');
    for (const p of ps) lines.push(`ARG ${tagArg(images[p].name)}`);
  }
  if (img.build !== null) {
    lines.push(`FROM ${ref(img.build)} AS build`, `RUN mkdir -p /out && echo ${img.name} > /out/built.txt`);
  }
  if (img.files !== null) lines.push(`FROM ${ref(img.files)} AS files`);
  lines.push(img.parent === null ? 'FROM debian:bookworm-slim' : `FROM ${ref(img.parent)}`);
  if (img.build !== null) lines.push(`COPY --from=build /out/ /opt/${img.name}/`);
  if (img.files !== null) lines.push(`COPY --from=files /etc/os-release /opt/${img.name}/os-release.${images[img.files].name}`);
  lines.push(`COPY files/ /opt/${img.name}/`, `RUN echo "${img.name} revision ${serial}" > /opt/${img.name}/REVISION`, '');
  return lines.join('\n');
}
