/** The core API: no Nx, no CLI. */
export * from './errors';
export type { Specs, ImageSpec, VersionSpec, BuildArgs } from './specs/types';
export { loadSpecs, parseSpecs } from './specs/load';
export type { Stack, StackImage, ParentRef, ExternalBase } from './graph/types';
export { tagArgName, REGISTRY_ARG } from './graph/types';
export { readStack } from './graph/read-stack';
export type { Plan, PlanEntry, Action } from './plan/types';
export { makePlan, type PlanOptions, type PlanResult } from './plan/make-plan';
export { assemblePlan } from './plan/assemble';
export { runPipeline, type RunOptions, type RunResult } from './pipeline/run';
export type { NodeResult, NodeStatus, PipelineEvent, Reporter, Gate, GateContext, Step } from './pipeline/types';
export { schedule, type Task, type TaskOutcome } from './pipeline/scheduler';
export { formatTag, dirtyTag, nodeKey } from './tags/tag';
export { computeSourceCommits } from './tags/source-commits';
export { computeDirty } from './tags/dirty';
export { RegistryClient } from './registry';
