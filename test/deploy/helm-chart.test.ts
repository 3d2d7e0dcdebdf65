// The Helm chart lints clean (--strict) and renders, with its defaults and with every option on,
// manifests that run the image as the image runs itself, with a valid configuration.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTIONS, parseConfig, type Config } from '../../src/config.js';
import { imageCommand } from '../support/image-command.js';
import { runTool } from '../support/deploy-tools.js';

const CHART = 'deploy/helm/bend-replicator';
const ALL_ENABLED = `${CHART}/ci/all-enabled-values.yaml`;
/** Helm built from source reports Kubernetes 1.20 unless told; the chart needs 1.25+. */
const KUBE_VERSION = '1.30.0';

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  image: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
  }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsUser: number; runAsNonRoot: boolean };
  containers: Container[];
}
interface DeploymentSpec {
  replicas: number;
  strategy: { type: string; rollingUpdate: { maxUnavailable: number } };
  template: { metadata: { annotations: Record<string, string> }; spec: PodSpec };
}

async function render(...args: string[]): Promise<Manifest[]> {
  return parseAllDocuments(await renderText(...args)).flatMap((doc) => {
    expect(doc.errors).toEqual([]);
    const value = doc.toJS() as Manifest | null;
    return value === null ? [] : [value];
  });
}

async function renderText(...args: string[]): Promise<string> {
  const result = await runTool('helm', [
    'template',
    'bend-replicator',
    CHART,
    '--namespace',
    'bend-replicator',
    '--kube-version',
    KUBE_VERSION,
    ...args,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

function only(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
}

const deploymentSpec = (manifests: Manifest[]): DeploymentSpec =>
  only(manifests, 'Deployment').spec as unknown as DeploymentSpec;

/** The ConfigMap's configuration file, completed with the DSN the Secret provides. */
function renderedConfig(manifests: Manifest[]): Config {
  const text = only(manifests, 'ConfigMap').data?.['config.yaml'] ?? '';
  const tree = parseAllDocuments(text)[0]?.toJS() as Record<string, Record<string, unknown>>;
  tree.databend = { ...tree.databend, dsn: 'databend://u:p@db:8000/' };
  for (const section of CONFIG_SECTIONS) tree[section] ??= {};
  return parseConfig(tree);
}

describe('Helm chart', () => {
  it('passes helm lint --strict with the defaults and with every option on', async () => {
    for (const values of [[], ['-f', ALL_ENABLED]]) {
      const result = await runTool('helm', ['lint', '--strict', CHART, ...values]);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('0 chart(s) failed');
    }
  });

  it('renders manifests that decode strictly into the Kubernetes API types', async () => {
    for (const values of [[], ['-f', ALL_ENABLED]]) {
      const check = await runTool(
        'bend-replicator-manifest-check',
        [],
        undefined,
        await renderText(...values),
      );
      expect(check.code, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('ok  apps/v1/Deployment');
    }
    // The check itself: a misspelt field fails it.
    const typo = await runTool(
      'bend-replicator-manifest-check',
      [],
      undefined,
      await renderText('--set-json', 'resources={"limitz":{"memory":"1Gi"}}'),
    );
    expect(typo.code).toBe(1);
    expect(typo.stdout).toContain('unknown field "limitz"');
  });

  it('renders two replicas, rolled one at a time, with a disruption budget and no operator CRDs', async () => {
    const manifests = await render();
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    const spec = deploymentSpec(manifests);
    expect(spec.replicas).toBe(2);
    expect(spec.strategy.type).toBe('RollingUpdate');
    expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(only(manifests, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    // One way to be scraped: the Service (and the optional ServiceMonitor), never pod annotations.
    const annotations = spec.template.metadata.annotations;
    expect(Object.keys(annotations).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
  });

  it('runs the image’s command with a valid configuration, stopping within the grace period', async () => {
    const manifests = await render();
    const config = renderedConfig(manifests);
    const pod = deploymentSpec(manifests).template.spec;
    const container = pod.containers[0];
    expect(container?.args).toEqual(imageCommand());
    expect(container?.image).toBe('ghcr.io/example/bend-replicator:0.1.0');
    // The deadline, then up to 2 s of log flush, then the exit itself.
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
      config.shutdown.deadlineMs + 5_000,
    );
    expect(container?.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container?.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(container?.ports).toEqual([{ name: 'metrics', containerPort: config.http.port }]);
    // The Dockerfile's numeric USER, which runAsNonRoot can verify.
    expect(readFileSync('Dockerfile', 'utf8')).toMatch(/^USER 1000:1000$/m);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container?.env.find((e) => e.name === 'DATABEND_DSN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'bend-replicator', key: 'databend-dsn' },
    });
  });

  it('renders every option: IRSA, stage keys, image digest, ServiceMonitor and PrometheusRule', async () => {
    const manifests = await render('-f', ALL_ENABLED);
    const config = renderedConfig(manifests);
    expect(only(manifests, 'ServiceAccount').metadata.annotations).toMatchObject({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/bend-replicator',
    });
    const spec = deploymentSpec(manifests);
    const container = spec.template.spec.containers[0];
    expect(spec.replicas).toBe(3);
    expect(container?.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(container?.ports[0]?.containerPort).toBe(config.http.port);
    expect(config.http.port).toBe(9500);
    expect(container?.env.map((e) => e.name)).toEqual(
      expect.arrayContaining(['DATABEND_STAGE_ACCESS_KEY_ID', 'DATABEND_STAGE_SECRET_ACCESS_KEY']),
    );
    expect(only(manifests, 'ServiceMonitor').metadata.labels).toMatchObject({
      release: 'kube-prometheus-stack',
    });
    const rules = only(manifests, 'PrometheusRule').spec as { groups: unknown };
    const shipped = parseAllDocuments(
      readFileSync('deploy/prometheus/bend-replicator.rules.yaml', 'utf8'),
    )[0]?.toJS() as { groups: unknown };
    expect(rules.groups).toEqual(shipped.groups);
  });

  it('rolls the pods when the configuration changes', async () => {
    const checksum = async (...args: string[]): Promise<string | undefined> =>
      deploymentSpec(await render(...args)).template.metadata.annotations['checksum/config'];
    const before = await checksum();
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect(await checksum()).toBe(before);
    expect(await checksum('--set', 'config.log.level=debug')).not.toBe(before);
  });
});
