/** What the global setup made available: the engine socket and the registry host. */
export function testEnvironment(): { dockerHost: string; registry: string } {
  const dockerHost = process.env.DOCKER_HOST;
  const registry = process.env.IMAGESTACK_REGISTRY;
  if (!dockerHost || !registry) throw new Error('global setup did not export DOCKER_HOST / IMAGESTACK_REGISTRY');
  return { dockerHost, registry };
}
