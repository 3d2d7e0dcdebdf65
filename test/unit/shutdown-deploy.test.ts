// The deployment examples give the service time to stop gracefully and probe the right paths.
import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { imageCommand } from '../support/image-command.js';

const read = (path: string): string => readFileSync(path, 'utf8');

interface Probe {
  httpGet: { path: string; port: string };
}
interface Container {
  args: string[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  ports: { name: string; containerPort: number }[];
}
interface Deployment {
  spec: {
    template: {
      spec: { terminationGracePeriodSeconds: number; containers: Container[] };
      metadata: { annotations: Record<string, string> };
    };
  };
}

const deployment = parseYaml(read('deploy/kubernetes/deployment.yaml')) as Deployment;
const configMap = parseYaml(read('deploy/kubernetes/configmap.yaml')) as {
  data: { 'config.yaml': string };
};
/** The ConfigMap's configuration, completed with the DSN the Secret provides. */
const k8sConfig = (() => {
  const tree = parseYaml(configMap.data['config.yaml']) as Record<string, Record<string, unknown>>;
  tree.databend = { ...tree.databend, dsn: 'databend://u:p@db:8000/' };
  for (const section of ['dms', 'poison', 'retention', 'sweep']) tree[section] ??= {};
  return parseConfig(tree);
})();
const container = deployment.spec.template.spec.containers[0];
const task = JSON.parse(read('deploy/ecs/task-definition.json')) as {
  containerDefinitions: {
    stopTimeout: number;
    command: string[];
    healthCheck: { command: string[] };
    portMappings: { containerPort: number }[];
  }[];
};

describe('deployment examples', () => {
  it('run the image’s own command, heap flags included', () => {
    expect(imageCommand()).toEqual(['node', '--max-semi-space-size=8', 'dist/main.js', 'run']);
    expect(container?.args).toEqual(imageCommand());
    expect(task.containerDefinitions[0]?.command).toEqual(imageCommand());
  });

  it('hold a valid configuration in the Kubernetes ConfigMap', () => {
    expect(k8sConfig.shutdown.deadlineMs).toBeGreaterThan(0);
  });

  it('let Kubernetes wait longer than the shutdown deadline before SIGKILL', () => {
    const graceMs = deployment.spec.template.spec.terminationGracePeriodSeconds * 1000;
    // The deadline, then up to 2 s of log flush, then the exit itself.
    expect(graceMs).toBeGreaterThanOrEqual(k8sConfig.shutdown.deadlineMs + 5_000);
  });

  it('let ECS wait longer than the shutdown deadline before SIGKILL', () => {
    const ecs = task.containerDefinitions[0];
    expect((ecs?.stopTimeout ?? 0) * 1000).toBeGreaterThanOrEqual(
      k8sConfig.shutdown.deadlineMs + 5_000,
    );
    expect(ecs?.stopTimeout).toBeLessThanOrEqual(120); // the Fargate maximum
  });

  it('probe liveness on /healthz and readiness on /readyz of the metrics port', () => {
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container?.ports).toContainEqual({
      name: 'metrics',
      containerPort: k8sConfig.http.port,
    });
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(
      String(k8sConfig.http.port),
    );
  });

  it('health-check the ECS container with the image’s check, which reads the configured port', () => {
    const ecs = task.containerDefinitions[0];
    expect(ecs?.healthCheck.command).toEqual(['CMD', 'node', 'dist/http/healthcheck.js']);
    expect(ecs?.portMappings[0]?.containerPort).toBe(k8sConfig.http.port);
  });

  it('are well-formed YAML and JSON throughout', () => {
    for (const file of [
      'configmap.yaml',
      'deployment.yaml',
      'kustomization.yaml',
      'namespace.yaml',
      'secret.example.yaml',
      'service.yaml',
      'serviceaccount.yaml',
      'servicemonitor.yaml',
    ]) {
      const docs = parseAllDocuments(read(`deploy/kubernetes/${file}`));
      for (const doc of Array.isArray(docs) ? docs : [docs]) expect(doc.errors, file).toEqual([]);
    }
    for (const file of [
      'deploy/ecs/service.json',
      'deploy/iam/replicator-policy.json',
      'deploy/iam/databend-stage-read-policy.json',
      'deploy/iam/execution-role-policy.json',
      'deploy/iam/kms-decrypt-policy.json',
      'deploy/iam/trust-ecs-task.json',
      'deploy/iam/trust-eks-irsa.json',
      'deploy/iam/queue-policy.json',
    ])
      expect(() => JSON.parse(read(file)) as unknown, file).not.toThrow();
  });

  it('grant the stage credentials no write and the service no S3 write', () => {
    for (const file of [
      'deploy/iam/replicator-policy.json',
      'deploy/iam/databend-stage-read-policy.json',
    ]) {
      const actions = JSON.stringify(JSON.parse(read(file)));
      expect(actions, file).not.toMatch(/s3:(Put|Delete)|s3:\*|sqs:\*|"\*"/);
    }
  });
});
