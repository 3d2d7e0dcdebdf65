// A moto server of its own with IAM enforcement on (stack/moto_iam_server.py), for the test of
// the shipped IAM policies; the shared stack's moto stays as it is. Its first `setupCalls`
// requests go unauthenticated: the IAM users are created with them, then every request is
// signature-checked and authorised against its caller's policies.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../../stack/processes.js';
import { stackDir, venvPython } from '../../stack/python-env.js';

export interface IamUser {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface MotoIam {
  endpoint: string;
  users: Record<string, IamUser>;
  logFile: string;
  stop(): Promise<void>;
}

/** Inline policies by user name. Three unauthenticated IAM calls per user, nothing else. */
export async function startMotoIam(policies: Record<string, unknown>): Promise<MotoIam> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = join(tmpdir(), `moto-iam-${port}.log`);
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    venvPython,
    ['-m', 'moto_iam_server', '-H', '127.0.0.1', '-p', String(port)],
    {
      cwd: stackDir,
      env: {
        ...process.env,
        INITIAL_NO_AUTH_ACTION_COUNT: String(Object.keys(policies).length * 3),
      },
      stdio: ['ignore', log, log],
    },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      'moto with IAM enforcement',
      async () => (await fetch(`${endpoint}/moto-api/`)).ok,
      60_000,
      logFile,
    );
    const users: Record<string, IamUser> = {};
    for (const [name, policy] of Object.entries(policies)) {
      await iam(endpoint, { Action: 'CreateUser', UserName: name });
      await iam(endpoint, {
        Action: 'PutUserPolicy',
        UserName: name,
        PolicyName: name,
        PolicyDocument: JSON.stringify(policy),
      });
      const created = await iam(endpoint, { Action: 'CreateAccessKey', UserName: name });
      const accessKeyId = /<AccessKeyId>([^<]+)</.exec(created)?.[1];
      const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(created)?.[1];
      if (accessKeyId === undefined || secretAccessKey === undefined)
        throw new Error(`CreateAccessKey for ${name} answered ${created}`);
      users[name] = { name, accessKeyId, secretAccessKey };
    }
    return { endpoint, users, logFile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One IAM Query API call, unsigned: only for the server's first, unauthenticated requests. */
async function iam(endpoint: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // moto routes by the signing service named in the credential scope.
      authorization:
        'AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${params.Action ?? ''}: ${response.status} ${text}`);
  return text;
}
