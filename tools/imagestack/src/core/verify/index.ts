export * from './test';
export * from './manifest';
export * from './checks';
export * from './container';
export * from './run-commands';
