// The ECS example gives the service time to stop gracefully, runs the image's command and health
// check, and its execution role can do what the task definition asks of it. (The Helm chart's
// counterparts: test/deploy/helm-chart.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { imageCommand } from '../support/image-command.js';

const read = (path: string): string => readFileSync(path, 'utf8');

interface Statement {
  Action: string | string[];
}
interface TaskDefinition {
  containerDefinitions: {
    stopTimeout: number;
    command: string[];
    healthCheck: { command: string[] };
    portMappings: { containerPort: number }[];
    logConfiguration: { logDriver: string; options: Record<string, string> };
    secrets: { valueFrom: string }[];
  }[];
}

const task = JSON.parse(read('deploy/ecs/task-definition.json')) as TaskDefinition;
const container = task.containerDefinitions[0];
const service = JSON.parse(read('deploy/ecs/service.json')) as {
  desiredCount: number;
  deploymentConfiguration: { minimumHealthyPercent: number; maximumPercent: number };
};
/** The configuration the task runs with: defaults and its environment. */
const config = loadConfig({
  DATABEND_DSN: 'databend://u:p@db:8000/',
  S3_BUCKET: 'acme-dms-changes',
  AWS_REGION: 'eu-west-1',
  SQS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/acme-dms-changes',
});
const actionsOf = (file: string): string[] =>
  (JSON.parse(read(file)) as { Statement: Statement[] }).Statement.flatMap((s) =>
    Array.isArray(s.Action) ? s.Action : [s.Action],
  );

describe('ECS example', () => {
  it('runs the image’s own command, heap flags included', () => {
    expect(imageCommand()).toEqual(['node', '--max-semi-space-size=8', 'dist/main.js', 'run']);
    expect(container?.command).toEqual(imageCommand());
  });

  it('lets ECS wait longer than the shutdown deadline before SIGKILL', () => {
    // The deadline, then up to 2 s of log flush, then the exit itself.
    expect((container?.stopTimeout ?? 0) * 1000).toBeGreaterThanOrEqual(
      config.shutdown.deadlineMs + 5_000,
    );
    expect(container?.stopTimeout).toBeLessThanOrEqual(120); // the Fargate maximum
  });

  it('health-checks with the image’s check, which reads the configured port', () => {
    expect(container?.healthCheck.command).toEqual(['CMD', 'node', 'dist/http/healthcheck.js']);
    expect(container?.portMappings[0]?.containerPort).toBe(config.http.port);
  });

  it('runs two tasks and starts the new ones before stopping the old', () => {
    expect(service.desiredCount).toBe(2);
    expect(service.deploymentConfiguration.minimumHealthyPercent).toBe(100);
    expect(service.deploymentConfiguration.maximumPercent).toBe(200);
  });

  it('asks its execution role only for what the role grants', () => {
    const granted = actionsOf('deploy/iam/execution-role-policy.json');
    const logOptions = container?.logConfiguration.options ?? {};
    // awslogs-create-group needs logs:CreateLogGroup, which the managed execution role lacks.
    if (logOptions['awslogs-create-group'] === 'true')
      expect(granted).toContain('logs:CreateLogGroup');
    const secrets = (container?.secrets ?? []).map((s) => s.valueFrom.replace(/:[^:]*::$/, ''));
    const resources = JSON.stringify(read('deploy/iam/execution-role-policy.json'));
    for (const secret of secrets) expect(resources).toContain(secret);
    expect(granted).toContain('secretsmanager:GetSecretValue');
  });

  it('grants the stage credentials no write and the service no S3 write', () => {
    for (const file of [
      'deploy/iam/replicator-policy.json',
      'deploy/iam/databend-stage-read-policy.json',
    ]) {
      const actions = actionsOf(file).join(' ');
      expect(actions, file).not.toMatch(/s3:(Put|Delete)|s3:\*|sqs:\*|^\*$/);
    }
  });
});
