/**
 * The static site (`imagestack site` / `imagestack serve`): collect → model (pure
 * assembly) → layout (elkjs) → HTML (pure renderers) → files; and a local server.
 */
export * from './model';
export { assembleSiteModel, commitUrl, siteStatus, type SiteInputs, type RegistryTag, type StackImageInput } from './assemble';
export { collectSite, type CollectOptions, type ReadPromotions, type SiteCopy } from './collect';
export { generateSite, renderSite, type SiteResult } from './generate';
export { layoutGraph, type GraphLayout, type LayoutEdge, type LayoutNode } from './layout';
export { serveSite, type SiteServer } from './serve';
