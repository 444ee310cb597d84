// Renders deploy/nginx.conf.template (see src/deploy/nginx-conf.ts):
//   npm run nginx:conf -- --stream-dir /srv/streams --daemon 127.0.0.1:8088 --listen 80 [--out FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderNginxConf } from '../src/deploy/nginx-conf.js';

const { values } = parseArgs({
  options: {
    'stream-dir': { type: 'string' },
    daemon: { type: 'string' },
    listen: { type: 'string' },
    'runtime-dir': { type: 'string' },
    out: { type: 'string' },
  },
});
const conf = renderNginxConf({
  streamDir: values['stream-dir'],
  daemon: values.daemon,
  listen: values.listen,
  runtimeDir: values['runtime-dir'],
});
if (values.out) writeFileSync(values.out, conf);
else process.stdout.write(conf);
