/**
 * A Kubernetes DaemonSet (apps/v1) that pre-pulls images on every node of a cluster: one
 * init container per image running a no-op in it (so the kubelet pulls the image, with
 * `imagePullPolicy: IfNotPresent`), then a pause container that keeps the pod running at
 * almost no cost, so the DaemonSet stays Ready and a node that joins later pulls too. (The
 * kubelet's image garbage collection spares images of running containers only: under disk
 * pressure it may still remove the pre-pulled ones.) Pure: builds the object; the CLI
 * prints it as YAML.
 *
 * Names follow Kubernetes' rules (kubernetes.io/docs "Object Names and IDs"): container and
 * object names are DNS-1123 labels, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters;
 * label values at most 63 characters of `[A-Za-z0-9_.-]`, starting and ending alphanumeric.
 */
import { createHash } from 'node:crypto';
import type { ResolvedImage } from '../resolve/resolve';

/** Default pause image (the Kubernetes project's own; override for air-gapped clusters). */
export const DEFAULT_PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

/** The no-op run in each image: `true` from the image's PATH (Debian's coreutils `/usr/bin/true`). */
export const DEFAULT_NOOP: readonly string[] = ['true'];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when `s` is a DNS-1123 label of at most 63 characters. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

/** True when `s` is a valid label value (at most 63 characters). */
export function isLabelValue(s: string): boolean {
  return s.length <= 63 && LABEL_VALUE.test(s);
}

/**
 * `text` as a DNS-1123 label of at most `max` characters: lower-cased, runs of other
 * characters → `-`. When that loses anything (a character replaced, or the result cut to
 * length), 6 hex of the sha256 of `text` are appended, so different inputs stay different.
 */
export function dnsLabel(text: string, max = 63): string {
  let s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (s === text && s.length <= max && DNS_LABEL.test(s)) return s;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 6);
  s = s.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return s ? `${s}-${hash}` : `x${hash}`;
}

/** Options of {@link makeDaemonSet}. */
export interface DaemonSetOptions {
  /** The DaemonSet's name (a DNS-1123 label is made from it). */
  name: string;
  /** Kubernetes namespace; omitted from the manifest when not given (kubectl's current one). */
  namespace?: string;
  /** Default {@link DEFAULT_PAUSE_IMAGE}. */
  pauseImage?: string;
  /** Names of `kubernetes.io/dockerconfigjson` secrets for a private registry. */
  imagePullSecrets?: string[];
  /** The no-op command, default {@link DEFAULT_NOOP}. */
  noop?: readonly string[];
  /** Added to `metadata.annotations` (e.g. what was resolved, and when). */
  annotations?: Record<string, string>;
}

const SMALL = { requests: { cpu: '1m', memory: '4Mi' }, limits: { cpu: '100m', memory: '32Mi' } };
const LOCKED_DOWN = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

/**
 * The DaemonSet manifest pre-pulling `images` (each by its exact `repository:tag@digest`).
 *
 * Tolerations: one `{ operator: Exists }`, which tolerates every taint, so the pod runs on
 * every node, control-plane and cordoned-by-taint nodes included (remove it to respect
 * taints). Update strategy: RollingUpdate with `maxUnavailable: 100%`, so a new set of
 * images is pulled on all nodes at once.
 *
 * @returns a plain object for `kubectl apply` (apiVersion apps/v1, kind DaemonSet)
 */
export function makeDaemonSet(images: readonly ResolvedImage[], opts: DaemonSetOptions): Record<string, unknown> {
  const name = dnsLabel(opts.name);
  const labels = {
    'app.kubernetes.io/name': 'imagestack-prepull',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'imagestack',
  };
  const used = new Set<string>(['pause']);
  const initContainers = images.map((img) => {
    let cname = dnsLabel(`${img.image}-${img.version}`);
    for (let n = 2; used.has(cname); n++) cname = dnsLabel(`${img.image}-${img.version}-${n}`);
    used.add(cname);
    return {
      name: cname,
      image: img.reference,
      imagePullPolicy: 'IfNotPresent',
      command: [...(opts.noop ?? DEFAULT_NOOP)],
      resources: SMALL,
      securityContext: LOCKED_DOWN,
    };
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      labels,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      selector: { matchLabels: { ...labels } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%' } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 1,
          tolerations: [{ operator: 'Exists' }],
          ...(opts.imagePullSecrets?.length ? { imagePullSecrets: opts.imagePullSecrets.map((s) => ({ name: s })) } : {}),
          initContainers,
          containers: [
            {
              name: 'pause',
              image: opts.pauseImage ?? DEFAULT_PAUSE_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              resources: { requests: { cpu: '1m', memory: '4Mi' }, limits: { cpu: '10m', memory: '16Mi' } },
              securityContext: LOCKED_DOWN,
            },
          ],
        },
      },
    },
  };
}
