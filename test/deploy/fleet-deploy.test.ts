import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { configEnvNames, loadConfig } from '../../src/config/config.js';
import { renderNginxConf } from '../../src/deploy/nginx-conf.js';
import { SECRET_VARIABLES } from '../../src/security/secrets.js';

// No Docker engine or cluster runs here: docker-compose.fleet.yml and deploy/k8s/ are
// checked by reading them, against the configuration schema and the Nginx renderer.
const root = new URL('../../', import.meta.url);
const read = (file: string) => readFile(new URL(file, root), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, narrowed by the expectations
type Doc = any;
type EnvEntry = { name: string; value?: string; valueFrom?: Doc };

/** Names the daemon reads: the schema's, and <SECRET>_FILE for the secrets (Docker and Kubernetes secret files). */
const knownNames = new Set([...configEnvNames(), ...SECRET_VARIABLES.map((name) => `${name}_FILE`)]);
const unknownNames = (names: string[]) => names.filter((name) => !knownNames.has(name));

const compose = async () => YAML.parse(await read('docker-compose.fleet.yml'), { merge: true }) as Doc;
/** The daemons: the services built from this repository. */
const composeDaemons = (services: Record<string, Doc>) => Object.entries(services).filter(([, service]) => service.build !== undefined);
/** Compose `environment` as a map, in either of its spellings. */
const composeEnv = (service: Doc): Record<string, string> =>
  Array.isArray(service.environment)
    ? Object.fromEntries(service.environment.map((entry: string) => [entry.split('=')[0], entry.split('=').slice(1).join('=')]))
    : Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value ?? '')]));

const K8S = 'deploy/k8s/';
const k8sFiles = () => readdir(new URL(K8S, root));
/** Every object of every manifest in deploy/k8s/ (kustomization.yaml aside). */
const k8sObjects = async (): Promise<Doc[]> => {
  const files = (await k8sFiles()).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
  const docs = await Promise.all(files.map(async (file) => YAML.parseAllDocuments(await read(K8S + file)).map((doc) => doc.toJS())));
  return docs.flat().filter(Boolean);
};
const kustomization = async () => YAML.parse(await read(`${K8S}kustomization.yaml`)) as Doc;
const only = (objects: Doc[], kind: string) => {
  const found = objects.filter((object) => object.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
};
const daemonContainer = (statefulSet: Doc) => {
  const container = statefulSet.spec.template.spec.containers.find((c: Doc) => c.name === 'stream-manager');
  expect(container).toBeDefined();
  return container;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** A compose value as the daemon would get it with nothing in .env: `${NAME:-}` is empty. */
const interpolated = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

describe('docker-compose.fleet.yml', () => {
  it('sets the daemons only variables the configuration schema knows', async () => {
    const daemons = composeDaemons((await compose()).services);
    expect(daemons.length).toBeGreaterThan(0);
    for (const [name, service] of daemons) expect(unknownNames(Object.keys(composeEnv(service))), name).toEqual([]);
  });

  it('runs three daemons with their own NODE_ID, NODE_URL and volumes, sharing one Redis', async () => {
    const { services } = await compose();
    const daemons = composeDaemons(services);
    expect(daemons).toHaveLength(3);
    const envs = daemons.map(([, service]) => composeEnv(service));
    expect(new Set(envs.map((env) => env.NODE_ID)).size).toBe(3);
    expect(envs.every((env) => env.NODE_ID)).toBe(true);
    const redisUrls = new Set(envs.map((env) => env.REDIS_URL));
    expect(redisUrls.size).toBe(1);
    const redisHost = new URL([...redisUrls][0]!).hostname;
    expect(services[redisHost]?.image).toMatch(/^redis:7-bookworm$/);
    for (const [name, service] of daemons) {
      // Each node is reached by its service name; its settings pass the daemon's own checks.
      const env = composeEnv(service);
      expect(env.NODE_URL).toBe(`http://${name}:8088`);
      const config = loadConfig(Object.fromEntries(Object.entries(env).map(([key, value]) => [key, interpolated(value)])));
      expect(config.cluster).toMatchObject({ nodeId: env.NODE_ID, nodeUrl: env.NODE_URL });
      expect(service.healthcheck.test.join(' ')).toContain('/api/health');
    }
    // Nothing on disk is shared: every volume belongs to one daemon.
    const volumes = daemons.flatMap(([, service]) => service.volumes.map((volume: string) => volume.split(':')[0]));
    expect(new Set(volumes).size).toBe(volumes.length);
    expect(services.nginx.image).toBe('nginx:1.27-bookworm');
    expect(services.nginx.volumes).toContain('./deploy/nginx.fleet.conf:/etc/nginx/nginx.conf:ro');
    expect(services.nginx.healthcheck.test.join(' ')).toContain('/api/health');
  });

  it('is fronted by deploy/nginx.fleet.conf, the template rendered now for its daemons', async () => {
    const daemons = composeDaemons((await compose()).services).map(([name]) => `${name}:8088`);
    const conf = await read('deploy/nginx.fleet.conf');
    expect(conf).toBe(renderNginxConf({ daemon: daemons.join(','), listen: '80' }));
    expect(upstreamLines(conf)).toEqual(['hash $stream_key consistent;', ...daemons.map((address) => `server ${address};`)]);
  });
});

/** The hash and server lines of the stream_manager upstream. */
const upstreamLines = (conf: string) =>
  (/upstream stream_manager \{([^}]*)\}/.exec(conf)?.[1] ?? '').match(/^\s*(hash|server) .*;$/gm)?.map((line) => line.trim());

describe('deploy/k8s', () => {
  it('sets the daemons only variables the configuration schema knows', async () => {
    const container = daemonContainer(only(await k8sObjects(), 'StatefulSet'));
    expect(unknownNames(container.env.map((entry: EnvEntry) => entry.name))).toEqual([]);
    expect(container.envFrom).toBeUndefined();
  });

  it('runs the daemons as a StatefulSet: pod names as NODE_ID, URLs through the headless Service, probes, requests, a PDB', async () => {
    const objects = await k8sObjects();
    const statefulSet = only(objects, 'StatefulSet');
    const labels = statefulSet.spec.template.metadata.labels;
    expect(matches(statefulSet.spec.selector.matchLabels, labels)).toBe(true);
    const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === statefulSet.spec.serviceName);
    expect(service?.spec.clusterIP).toBe('None');
    expect(matches(service.spec.selector, labels)).toBe(true);
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(statefulSet.spec.selector.matchLabels);

    const container = daemonContainer(statefulSet);
    for (const probe of [container.readinessProbe, container.livenessProbe])
      expect(probe.httpGet).toEqual({ path: '/api/health', port: 8088 });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.image).toBe('stream-manager:latest');

    const env: EnvEntry[] = container.env;
    const at = (name: string) => env.findIndex((entry) => entry.name === name);
    expect(env[at('NODE_ID')]?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    // $(NODE_ID) expands only to a variable defined before it.
    expect(at('NODE_ID')).toBeLessThan(at('NODE_URL'));
    const { namespace } = await kustomization();
    expect(env[at('NODE_URL')]?.value).toBe(`http://$(NODE_ID).${service.metadata.name}.${namespace}.svc:8088`);

    // Secrets come from a Secret of the kustomization that has those keys.
    const secret = only(objects, 'Secret');
    const secretRefs = env.filter((entry) => entry.valueFrom?.secretKeyRef).map((entry) => entry.valueFrom.secretKeyRef);
    expect(secretRefs.map((ref: Doc) => ref.key)).toEqual(expect.arrayContaining(['API_TOKEN', 'PLAYBACK_SECRET']));
    for (const ref of secretRefs) {
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData)).toContain(ref.key);
    }

    // What the pod gets (secrets aside) passes the daemon's own checks.
    const podName = `${statefulSet.metadata.name}-0`;
    const values: Record<string, string> = {};
    for (const entry of env) {
      if (entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name') values[entry.name] = podName;
      else if (entry.value !== undefined)
        values[entry.name] = entry.value.replace(/\$\(([A-Z_]+)\)/g, (_, name: string) => values[name] ?? '');
    }
    expect(loadConfig(values).cluster).toMatchObject({
      nodeId: podName,
      nodeUrl: `http://${podName}.${service.metadata.name}.${namespace}.svc:8088`,
    });
  });

  it('has deploy/k8s/nginx.conf, the template rendered now for the StatefulSet pods, as the Nginx ConfigMap', async () => {
    const objects = await k8sObjects();
    const statefulSet = only(objects, 'StatefulSet');
    const daemons = Array.from(
      { length: statefulSet.spec.replicas },
      (_, i) => `${statefulSet.metadata.name}-${i}.${statefulSet.spec.serviceName}:8088`,
    );
    expect(daemons).toHaveLength(3);
    const conf = await read(`${K8S}nginx.conf`);
    expect(conf).toBe(renderNginxConf({ daemon: daemons.join(','), listen: '80' }));
    expect(upstreamLines(conf)).toEqual(['hash $stream_key consistent;', ...daemons.map((address) => `server ${address};`)]);

    const generated = (await kustomization()).configMapGenerator.find((generator: Doc) => generator.files.includes('nginx.conf'));
    const nginx = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === 'nginx');
    expect(nginx.spec.template.spec.volumes.map((volume: Doc) => volume.configMap?.name)).toContain(generated.name);
  });

  it('lists every other file of deploy/k8s in kustomization.yaml', async () => {
    const { resources = [], configMapGenerator = [], secretGenerator = [] } = await kustomization();
    const listed = [...resources, ...[...configMapGenerator, ...secretGenerator].flatMap((generator: Doc) => generator.files ?? [])];
    const files = (await k8sFiles()).filter((file) => file !== 'kustomization.yaml');
    expect([...listed].sort()).toEqual([...files].sort());
  });
});
